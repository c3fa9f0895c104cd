// QueueClient::enqueue: tasks grouped by job and priority, sent in batches to the enqueue script, a few in flight.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <string_view>

#include "core/cancel.hpp"
#include "queue/client.hpp"
#include "queue/scripts.hpp"

namespace swath::queue {

namespace {

// The longest hash value Redis keeps in a listpack (`hash-max-listpack-value`; 64 unless configured, or when
// CONFIG is not allowed, as on some managed Redis).
std::size_t listpack_value_limit(Connection& connection) {
  const Value reply = connection.command({"CONFIG", "GET", "hash-max-listpack-value"});
  if (reply.type != Value::Type::array || reply.as_array().size() < 2) return 64;
  try {
    return std::stoul(reply.as_array()[1].as_string());
  } catch (const std::exception&) {
    return 64;
  }
}

// How many buckets a new job's records are spread over (see script_prelude.cpp): one per ~32 of `count`
// tasks (an enqueue's HSETNX scans its bucket's listpack twice: half as many fields, half that scanning, ~10% of
// Redis' CPU per task, for ~1 byte more per task; and a job may grow 4× before a bucket passes 128 fields) when
// every record fits Redis' listpack encoding — its payload plus the longest state prefix
// ("l<attempt>,<failures>,<token>,<p>|", "x...,<dead_at>,<p>|": ≤ 28 bytes with a token of a 10-digit count);
// else one (a hash table anyway).
std::size_t buckets_for(std::size_t count, std::size_t longest_payload, std::size_t limit) {
  constexpr std::size_t state_prefix = 28;
  if (longest_payload + state_prefix > limit) return 1;
  return std::max<std::size_t>(1, count / 32);
}

// Tasks by job and priority, in the order they first appear (FIFO within a priority), and each job's bucket count.
struct Groups {
  std::vector<std::pair<std::uint32_t, Priority>> order;
  std::map<std::pair<std::uint32_t, Priority>, std::vector<std::uint32_t>> members;
  std::vector<std::size_t> buckets;        // by job
  std::vector<std::string> bucket_counts;  // the same as text (the calls in flight view them)
};

Groups group_tasks(const std::vector<QueuedTask>& tasks, std::size_t job_count, std::size_t listpack_limit) {
  Groups out;
  std::vector<std::pair<std::size_t, std::size_t>> per_job(job_count);  // tasks, longest payload
  for (std::uint32_t i = 0; i < tasks.size(); ++i) {
    const auto& task = tasks[i];
    auto [it, first] = out.members.try_emplace({task.job, task.priority});
    if (first) out.order.emplace_back(task.job, task.priority);
    it->second.push_back(i);
    auto& [count, longest] = per_job.at(task.job);
    ++count;
    longest = std::max(longest, task.payload.size());
  }
  for (const auto& [count, longest] : per_job) {
    out.buckets.push_back(buckets_for(count, longest, listpack_limit));
    out.bucket_counts.push_back(std::to_string(out.buckets.back()));
  }
  return out;
}

// Each task's record key (script_prelude.cpp's tk: the bucket is its id's first 6 hex digits mod the job's
// buckets), made here once per bucket, not by Redis for every task; "" leaves it to the script (and is ignored
// when the job already has another number of buckets).
class BucketKeys {
 public:
  BucketKeys(const std::string& prefix, const std::vector<QueuedJob>& jobs, const std::vector<std::size_t>& buckets)
      : prefix_(prefix), jobs_(jobs), buckets_(buckets) {}

  std::string_view operator()(std::uint32_t job, std::string_view id) {
    const std::size_t n = buckets_[job];
    std::uint32_t leading = 0;
    if (n <= 1 || id.size() < 6 || std::from_chars(id.data(), id.data() + 6, leading, 16).ptr != id.data() + 6) {
      return "";
    }
    auto& keys = keys_[job];
    keys.resize(n);
    std::string& key = keys[leading % n];
    if (key.empty()) key = prefix_ + "job:" + jobs_[job].id + ":t:" + std::to_string(leading % n);
    return key;
  }

 private:
  const std::string& prefix_;
  const std::vector<QueuedJob>& jobs_;
  const std::vector<std::size_t>& buckets_;
  std::map<std::uint32_t, std::vector<std::string>> keys_;
};

// One script call: views of the tasks' own strings and of `records`, one buffer holding each task's waiting
// record (script_prelude.cpp: the prefix, then the payload; a new task's is stored as is). The prefix also goes
// alone, first: the script checks it against its own.
struct Call {
  std::vector<std::string_view> args;
  std::int64_t tasks = 0;
  std::vector<char> records;  // a vector's move leaves its elements where they are: the views stay valid
};

void add_tasks(Call& call, Priority priority, const std::vector<QueuedTask>& tasks, const std::uint32_t* first,
               const std::uint32_t* last, BucketKeys& bucket_keys, std::deque<std::string>& held_ids) {
  const std::string prefix = std::string("r0,0,") + priority_name(priority)[0] + "|";
  std::size_t bytes = prefix.size();
  for (auto* m = first; m != last; ++m) bytes += prefix.size() + tasks[*m].payload.size();
  call.records.resize(bytes);
  char* at = call.records.data();
  auto record = [&](std::string_view payload) {
    std::memcpy(at, prefix.data(), prefix.size());
    if (!payload.empty()) std::memcpy(at + prefix.size(), payload.data(), payload.size());
    const std::string_view made(at, prefix.size() + payload.size());
    at += made.size();
    return made;
  };
  call.args.push_back(record(""));
  call.args.reserve(call.args.size() + 3 * static_cast<std::size_t>(last - first));
  for (auto* m = first; m != last; ++m) {
    const auto& task = tasks[*m];
    // "!ID": the enqueue script holds the task (held_ids is a deque: the views stay valid).
    call.args.emplace_back(task.held ? std::string_view(held_ids.emplace_back("!" + task.id)) : task.id);
    call.args.push_back(record(task.payload));
    call.args.emplace_back(task.held ? std::string_view("") : bucket_keys(task.job, task.id));
  }
  call.tasks = last - first;
}

}  // namespace

EnqueueCounts QueueClient::enqueue(const std::vector<Task>& tasks, bool force, std::size_t batch,
                                   std::int64_t retention_seconds, std::int64_t dead_max) {
  const auto [jobs, rows] = queued(tasks);
  return enqueue(jobs, rows, force, batch, retention_seconds, dead_max);
}

EnqueueCounts QueueClient::enqueue(const std::vector<QueuedJob>& jobs, const std::vector<QueuedTask>& tasks, bool force,
                                   std::size_t batch, std::int64_t retention_seconds, std::int64_t dead_max) {
  // Up to `window` script calls in flight: Redis stores batch k while this thread sends batch k+1. Nothing is
  // copied per task but into one records buffer per call and the connection's buffer.
  constexpr std::size_t window = 4;
  EnqueueCounts counts;
  const Groups groups =
      group_tasks(tasks, jobs.size(), connection_.with_reconnect([&] { return listpack_value_limit(connection_); }));
  BucketKeys bucket_keys(keys_.prefix, jobs, groups.buckets);
  const std::string force_text = force ? "1" : "0", no_force = "0", retention = std::to_string(retention_seconds),
                    dead = std::to_string(dead_max);
  // The calls, in sending order: a group's members [start, end).
  struct Slice {
    std::pair<std::uint32_t, Priority> group;
    std::size_t start, end;
  };
  std::vector<Slice> slices;
  for (const auto& group : groups.order) {
    const auto size = groups.members.at(group).size();
    for (std::size_t start = 0; start < size; start += batch)
      slices.push_back({group, start, std::min(size, start + batch)});
  }
  std::size_t answered = 0;  // slices [0, answered) have their replies; the rest may be sent again
  std::deque<Call> in_flight;
  std::vector<std::pair<std::vector<std::string>, std::int64_t>> retry;  // a call's arguments, its tasks
  std::deque<std::string> held_ids;
  auto add = [&](const Value& reply) {
    counts.enqueued += reply.as_array().at(0).as_int();
    counts.duplicates += reply.as_array().at(1).as_int();
    if (reply.as_array().size() > 2) counts.dead_duplicates += reply.as_array().at(2).as_int();
  };
  auto collect = [&] {
    const Value reply = connection_.receive();
    if (reply.is_noscript()) {
      // The script cache was flushed meanwhile: run it again below.
      const auto& call = in_flight.front();
      retry.emplace_back(std::vector<std::string>(call.args.begin(), call.args.end()), call.tasks);
    } else if (reply.is_error()) {
      // Refused whole (the script writes nothing when Redis is out of memory): none of this batch is queued.
      counts.not_queued += in_flight.front().tasks;
      if (counts.refusal.empty()) {
        counts.refusal = reply.text;
        counts.refused_busy = reply.is_busy();
      }
    } else {
      add(reply);
    }
    in_flight.pop_front();
    ++answered;
  };
  std::size_t sent_end = 0;  // slices [0, sent_end) were sent at least once
  auto send_rest = [&] {
    // After a lost connection, the calls whose replies were lost go again: each task is queued once whatever
    // happened to them (the script skips ids it has), so a batch Redis had stored counts as duplicates now.
    in_flight.clear();
    for (std::size_t next = answered; next < slices.size() && counts.refusal.empty(); ++next) {
      // Ctrl-C: the batches in flight are settled, the rest not sent (each batch is whole or absent in Redis).
      if (core::cancel_requested()) {
        counts.interrupted = true;
        break;
      }
      const auto& slice = slices[next];
      const auto& job = jobs.at(slice.group.first);
      const auto& members = groups.members.at(slice.group);
      // Sent again without --force: stored the first time and finished by a worker since, a task would be queued
      // again and run twice.
      const std::string& force_this = next < sent_end ? no_force : force_text;
      // In flight before it is sent (its views stay valid when the deque grows): a send that fails may have
      // reached Redis.
      auto& call = in_flight.emplace_back(
          Call{{keys_.ready, keys_.prefix, force_this, job.id, job.meta, priority_name(slice.group.second), retention,
                dead, groups.bucket_counts[slice.group.first]},
               0,
               {}});
      add_tasks(call, slice.group.second, tasks, members.data() + slice.start, members.data() + slice.end, bucket_keys,
                held_ids);
      sent_end = std::max(sent_end, next + 1);
      connection_.send_eval(scripts::enqueue, call.args, 1);
      if (in_flight.size() >= window) collect();
    }
    while (!in_flight.empty()) collect();
  };
  bool retrying = false;  // the last of `retry` is being sent (NOSCRIPT: the first send did not run)
  try {
    connection_.with_reconnect(send_rest);
    while (!retry.empty()) {
      auto& args = retry.back().first;
      retrying = true;
      bool ran = false;  // whether a failed attempt may have run: not when Redis was not ready (BUSY, LOADING)
      add(connection_
              .with_reconnect([&] {
                if (ran) args[2] = no_force;  // its reply lost: as a batch sent again, above
                try {
                  return connection_.eval_pipeline(scripts::enqueue, {args}, 1);
                } catch (const ServerNotReady&) {
                  ran = false;
                  throw;
                } catch (const ConnectionLost&) {
                  ran = true;
                  throw;
                }
              })
              .front());
      retrying = false;
      retry.pop_back();
    }
  } catch (const core::Interrupted&) {  // Ctrl-C while Redis was unreachable
    counts.interrupted = true;
  } catch (const core::IoError& e) {  // unreachable past the reconnect timeout
    counts.lost_connection = e.why();
  }
  // Sent without a reply: queued or not. Never sent, or not run (NOSCRIPT): not queued.
  for (std::size_t i = answered; i < sent_end; ++i)
    counts.unconfirmed += static_cast<std::int64_t>(slices[i].end - slices[i].start);
  for (std::size_t i = sent_end; i < slices.size(); ++i)
    counts.not_queued += static_cast<std::int64_t>(slices[i].end - slices[i].start);
  for (std::size_t i = 0; i < retry.size(); ++i)
    (retrying && i + 1 == retry.size() ? counts.unconfirmed : counts.not_queued) += retry[i].second;
  // Laid out anew by a newer swath since this enqueue began: nothing was queued by the refused batches; say why.
  if (counts.refusal.rfind("SWATH_LAYOUT ", 0) == 0) script_failed(scripts::enqueue, counts.refusal, keys_.prefix);
  return counts;
}

}  // namespace swath::queue
