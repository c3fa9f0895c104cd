// QueueClient: marshals arguments for the Lua scripts and unpacks their replies.
#include "queue/client.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <string_view>

#include "core/cancel.hpp"
#include "core/errors.hpp"
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
// ("l<attempt>,<failures>,<token>,<p>|", "x...,<dead_at>,<p>|": ≤ 24 bytes); else one (a hash table anyway).
std::size_t buckets_for(std::size_t count, std::size_t longest_payload, std::size_t limit) {
  constexpr std::size_t state_prefix = 24;
  if (longest_payload + state_prefix > limit) return 1;
  return std::max<std::size_t>(1, count / 32);
}

std::string text_of(const Value& v) {
  return v.type == Value::Type::integer ? std::to_string(v.integer) : v.as_string();
}

std::vector<std::string> with_refs(std::vector<std::string> args, const std::vector<LeaseRef>& refs) {
  for (const auto& [id, token] : refs) {
    args.push_back(id);
    args.push_back(token);
  }
  return args;
}

}  // namespace

EnqueueCounts QueueClient::enqueue(const std::vector<Task>& tasks, bool force, std::size_t batch,
                                   std::int64_t retention_seconds, std::int64_t dead_max) {
  const auto [jobs, rows] = queued(tasks);
  return enqueue(jobs, rows, force, batch, retention_seconds, dead_max);
}

EnqueueCounts QueueClient::enqueue(const std::vector<QueuedJob>& jobs, const std::vector<QueuedTask>& tasks, bool force,
                                   std::size_t batch, std::int64_t retention_seconds, std::int64_t dead_max) {
  // Up to `window` script calls in flight: Redis stores batch k while this thread sends batch k+1. The arguments
  // are views of the tasks' own strings and of one buffer per call (their records): nothing else is copied per task
  // but into the connection's buffer.
  constexpr std::size_t window = 4;
  EnqueueCounts counts;
  struct Call {
    std::vector<std::string_view> args;
    std::int64_t tasks;
    std::vector<char> records;  // the records args view (a vector's move leaves its elements where they are)
  };
  std::deque<Call> in_flight;
  std::vector<std::vector<std::string>> retry;
  auto add = [&](const Value& reply) {
    counts.enqueued += reply.as_array().at(0).as_int();
    counts.duplicates += reply.as_array().at(1).as_int();
  };
  auto collect = [&] {
    const Value reply = connection_.receive();
    if (reply.is_noscript()) {
      // The script cache was flushed meanwhile: run it again below.
      retry.emplace_back(in_flight.front().args.begin(), in_flight.front().args.end());
    } else if (reply.is_error()) {
      // Refused whole (the script writes nothing when Redis is out of memory): none of this batch is queued.
      counts.not_queued += in_flight.front().tasks;
      if (counts.refusal.empty()) counts.refusal = reply.text;
    } else {
      add(reply);
    }
    in_flight.pop_front();
  };
  // Tasks by job and priority, in the order they first appear (FIFO within a priority); each group in batches.
  std::vector<std::pair<std::uint32_t, Priority>> order;
  std::map<std::pair<std::uint32_t, Priority>, std::vector<std::uint32_t>> groups;
  std::vector<std::pair<std::size_t, std::size_t>> per_job(jobs.size());  // tasks, longest payload: sizes buckets
  for (std::uint32_t i = 0; i < tasks.size(); ++i) {
    const auto& task = tasks[i];
    auto [it, first] = groups.try_emplace({task.job, task.priority});
    if (first) order.emplace_back(task.job, task.priority);
    it->second.push_back(i);
    auto& [count, longest] = per_job.at(task.job);
    ++count;
    longest = std::max(longest, task.payload.size());
  }
  const std::size_t limit = listpack_value_limit(connection_);
  const std::string force_text = force ? "1" : "0", retention = std::to_string(retention_seconds),
                    dead = std::to_string(dead_max);
  std::vector<std::string> buckets;
  std::vector<std::size_t> bucket_counts;
  for (const auto& [count, longest] : per_job) {
    bucket_counts.push_back(buckets_for(count, longest, limit));
    buckets.push_back(std::to_string(bucket_counts.back()));
  }
  // Each task's record key (script_prelude.cpp's tk: the bucket is its id's first 6 hex digits mod the job's
  // buckets), made here once per bucket, not by Redis for every task; "" leaves it to the script (and is ignored
  // when the job already has another number of buckets).
  std::map<std::uint32_t, std::vector<std::string>> bucket_keys;
  auto bucket_key = [&](std::uint32_t job, std::string_view id) -> std::string_view {
    const std::size_t n = bucket_counts[job];
    std::uint32_t leading = 0;
    if (n <= 1 || id.size() < 6 || std::from_chars(id.data(), id.data() + 6, leading, 16).ptr != id.data() + 6) {
      return "";
    }
    auto& keys = bucket_keys[job];
    keys.resize(n);
    std::string& key = keys[leading % n];
    if (key.empty()) key = keys_.prefix + "job:" + jobs[job].id + ":t:" + std::to_string(leading % n);
    return key;
  };
  std::int64_t sent = 0;
  std::deque<std::string> held_ids;  // "!ID": the enqueue script holds the task (a deque: views stay valid)
  for (const auto& group : order) {
    const auto& job = jobs.at(group.first);
    const auto& members = groups[group];
    for (std::size_t start = 0; start < members.size() && counts.refusal.empty(); start += batch) {
      // Ctrl-C: the batches in flight are settled, the rest not sent (each batch is whole or absent in Redis).
      if (core::cancel_requested()) {
        counts.interrupted = true;
        break;
      }
      const std::size_t end = std::min(members.size(), start + batch);
      Call call{{keys_.ready, keys_.prefix, force_text, job.id, job.meta, priority_name(group.second), retention, dead,
                 buckets[group.first]},
                static_cast<std::int64_t>(end - start),
                {}};
      // Each task's waiting record (script_prelude.cpp), the prefix and its payload, made in one buffer: a new task's
      // is stored as is. The prefix also goes alone: the script checks it against its own.
      const std::string prefix = std::string("r0,0,") + priority_name(group.second)[0] + "|";
      std::size_t bytes = prefix.size();
      for (std::size_t i = start; i < end; ++i) bytes += prefix.size() + tasks[members[i]].payload.size();
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
      call.args.reserve(call.args.size() + 3 * (end - start));
      for (std::size_t i = start; i < end; ++i) {
        const auto& task = tasks[members[i]];
        call.args.emplace_back(task.held ? std::string_view(held_ids.emplace_back("!" + task.id)) : task.id);
        call.args.push_back(record(task.payload));
        call.args.emplace_back(task.held ? std::string_view("") : bucket_key(group.first, task.id));
      }
      connection_.send_eval(scripts::enqueue, call.args, 1);
      sent += call.tasks;
      in_flight.push_back(std::move(call));
      if (in_flight.size() >= window) collect();
    }
  }
  while (!in_flight.empty()) collect();
  counts.not_queued += static_cast<std::int64_t>(tasks.size()) - sent;  // never sent after a refusal
  // Laid out anew by a newer swath since this enqueue began: nothing was queued by the refused batches; say why.
  if (counts.refusal.rfind("SWATH_LAYOUT ", 0) == 0) script_failed(scripts::enqueue, counts.refusal, keys_.prefix);
  for (const auto& args : retry) add(connection_.eval_pipeline(scripts::enqueue, {args}, 1).front());
  return counts;
}

namespace {

LeaseBatch parse_lease(const Value& reply) {
  const auto& items = reply.as_array();
  LeaseBatch batch;
  batch.now_ms = items.at(0).as_int();
  batch.waiting = items.at(1).as_int();
  batch.due_finishing = items.at(2).as_int();
  for (std::size_t i = 3; i + 3 < items.size(); i += 4) {
    batch.tasks.push_back(
        {items[i].as_string(), text_of(items[i + 1]), items[i + 2].as_int(), items[i + 3].as_string()});
  }
  batch.leased = batch.tasks.size();
  return batch;
}

}  // namespace

LeaseBatch QueueClient::lease(const std::string& worker, std::size_t max_count, std::int64_t lease_ms,
                              std::int64_t max_leases) {
  return parse_lease(connection_.eval(
      scripts::lease, {keys_.ready},
      {keys_.prefix, worker, std::to_string(max_count), std::to_string(lease_ms), std::to_string(max_leases)}));
}

void QueueClient::send_lease(const std::string& worker, std::size_t max_count, std::int64_t lease_ms,
                             std::int64_t max_leases) {
  sent_lease_ = {keys_.ready,
                 keys_.prefix,
                 worker,
                 std::to_string(max_count),
                 std::to_string(lease_ms),
                 std::to_string(max_leases)};
  connection_.send_eval(scripts::lease, sent_lease_, 1);
}

LeaseBatch QueueClient::receive_lease() {
  const Value reply = connection_.receive();
  // The script cache was flushed (SCRIPT FLUSH, a failover to a replica without it) after this connection
  // loaded it: nothing ran, so run the same lease again, which loads the script.
  if (reply.is_noscript()) return parse_lease(connection_.eval_pipeline(scripts::lease, {sent_lease_}, 1).front());
  if (reply.is_error()) script_failed(scripts::lease, reply.text, sent_lease_.at(1));
  return parse_lease(reply);
}

std::vector<std::string> QueueClient::renew(const std::string& worker, std::int64_t lease_ms,
                                            const std::vector<LeaseRef>& held) {
  const Value reply = connection_.eval(scripts::renew, {keys_.ready},
                                       with_refs({keys_.prefix, std::to_string(lease_ms), worker}, held));
  std::vector<std::string> lost;
  for (const auto& v : reply.as_array()) lost.push_back(v.as_string());
  return lost;
}

namespace {

std::vector<std::string> commit_args(const Keys& keys, const std::vector<Commit>& commits, std::int64_t hold_ms) {
  std::vector<std::string> args{keys.prefix, std::to_string(hold_ms)};
  for (const auto& c : commits) {
    args.insert(args.end(),
                {c.id, c.token, c.outputs_json, c.result_json, std::to_string(c.seconds), c.has_files ? "1" : "0"});
  }
  return args;
}

std::vector<bool> parse_commit(const Value& reply) {
  std::vector<bool> ok;
  for (const auto& v : reply.as_array()) ok.push_back(v.as_int() == 1);
  return ok;
}

}  // namespace

std::vector<bool> QueueClient::commit(const std::vector<Commit>& commits, std::int64_t hold_ms) {
  return parse_commit(connection_.eval(scripts::commit, {keys_.ready}, commit_args(keys_, commits, hold_ms)));
}

void QueueClient::send_commit(const std::vector<Commit>& commits, std::int64_t hold_ms) {
  std::vector<std::string> keys_args{keys_.ready};
  const auto args = commit_args(keys_, commits, hold_ms);
  keys_args.insert(keys_args.end(), args.begin(), args.end());
  connection_.send_eval(scripts::commit, keys_args, 1);
}

std::optional<std::vector<bool>> QueueClient::receive_commit() {
  const Value reply = connection_.receive();
  if (reply.is_noscript()) return std::nullopt;
  if (reply.is_error()) script_failed(scripts::commit, reply.text, keys_.prefix);
  return parse_commit(reply);
}

std::vector<std::string> QueueClient::fail(const std::vector<Failure>& failures, std::int64_t max_attempts) {
  std::vector<std::string> args{keys_.prefix, std::to_string(max_attempts)};
  for (const auto& f : failures) {
    args.insert(args.end(), {f.id, f.token, f.error, f.permanent ? "1" : "0", std::to_string(f.delay_ms)});
  }
  const Value reply = connection_.eval(scripts::fail, {keys_.ready}, args);
  std::vector<std::string> out;
  for (const auto& v : reply.as_array()) out.push_back(v.as_string());
  return out;
}

std::int64_t QueueClient::release(const std::vector<LeaseRef>& held) {
  if (held.empty()) return 0;
  return connection_.eval(scripts::release, {keys_.ready}, with_refs({keys_.prefix}, held)).as_int();
}

void QueueClient::goodbye(const std::string& worker) {
  connection_.eval(scripts::goodbye, {keys_.ready}, {keys_.prefix, worker});
}

std::vector<Finishing> QueueClient::claim_finishing(std::int64_t hold_ms) {
  const Value reply =
      connection_.eval(scripts::claim_finishing, {keys_.ready}, {keys_.prefix, std::to_string(hold_ms)});
  const auto& items = reply.as_array();
  std::vector<Finishing> out;
  for (std::size_t i = 0; i + 2 < items.size(); i += 3)
    out.push_back({text_of(items[i]), text_of(items[i + 1]), items[i + 2].as_int()});
  return out;
}

void QueueClient::finished(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::string> args{keys_.prefix};
  args.insert(args.end(), ids.begin(), ids.end());
  connection_.eval(scripts::finished, {keys_.ready}, args);
}

std::vector<std::string> QueueClient::finish_failed(const std::vector<std::pair<std::string, std::string>>& failures,
                                                    std::int64_t max_tries, std::int64_t base_ms) {
  if (failures.empty()) return {};
  std::vector<std::string> args{keys_.prefix, std::to_string(max_tries), std::to_string(base_ms)};
  for (const auto& [id, error] : failures) args.insert(args.end(), {id, error});
  const Value reply = connection_.eval(scripts::finish_failed, {keys_.ready}, args);
  std::vector<std::string> out;
  for (const auto& v : reply.as_array()) out.push_back(v.as_string());
  return out;
}

std::vector<DeadTask> QueueClient::dead_list(std::int64_t start, std::int64_t stop) {
  const Value reply =
      connection_.eval(scripts::dead_list, {keys_.ready}, {keys_.prefix, std::to_string(start), std::to_string(stop)});
  const auto& items = reply.as_array();
  std::vector<DeadTask> out;
  auto number = [](const Value& v) -> std::int64_t {
    const std::string t = text_of(v);
    return t.empty() ? 0 : std::stoll(t);
  };
  for (std::size_t i = 0; i + 5 < items.size(); i += 6) {
    out.push_back({text_of(items[i]), text_of(items[i + 1]), text_of(items[i + 4]), number(items[i + 2]),
                   number(items[i + 3]), number(items[i + 5])});
  }
  return out;
}

std::vector<std::string> QueueClient::dead_members(const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  std::vector<std::string> args{keys_.prefix};
  args.insert(args.end(), ids.begin(), ids.end());
  const Value reply = connection_.eval(scripts::dead_members, {keys_.ready}, args);
  std::vector<std::string> out;
  for (const auto& v : reply.as_array()) out.push_back(v.as_string());
  return out;
}

std::vector<JobInfo> QueueClient::jobs(const std::string& id, std::int64_t* known) {
  const Value reply = connection_.eval(scripts::jobs, {keys_.ready}, {keys_.prefix, id});
  const auto& items = reply.as_array();
  if (known != nullptr) *known = items.at(0).as_int();
  auto number = [](const Value& v) -> std::int64_t {
    const std::string t = text_of(v);
    return t.empty() ? 0 : std::stoll(t);
  };
  std::vector<JobInfo> out;
  for (std::size_t i = 1; i + 11 < items.size(); i += 12) {
    JobInfo job;
    job.id = text_of(items[i]);
    job.meta = core::Json::parse(text_of(items[i + 1]));
    job.created_ms = number(items[i + 2]);
    job.tasks = number(items[i + 3]);
    job.done = number(items[i + 4]);
    job.dead = number(items[i + 5]);
    job.running = number(items[i + 6]);
    job.finishing = number(items[i + 7]);
    job.unfinished = number(items[i + 8]);
    job.first_done_ms = number(items[i + 9]);
    job.last_done_ms = number(items[i + 10]);
    job.held = number(items[i + 11]);
    out.push_back(std::move(job));
  }
  return out;
}

std::int64_t QueueClient::dead_retry(const std::vector<std::string>& ids) {
  std::vector<std::string> args{keys_.prefix};
  args.insert(args.end(), ids.begin(), ids.end());
  return connection_.eval(scripts::dead_retry, {keys_.ready}, args).as_int();
}

std::int64_t QueueClient::dead_purge(const std::vector<std::string>& ids) {
  std::vector<std::string> args{keys_.prefix};
  args.insert(args.end(), ids.begin(), ids.end());
  return connection_.eval(scripts::dead_purge, {keys_.ready}, args).as_int();
}

Value QueueClient::raw_stats(std::int64_t window_ms, std::int64_t alive_ms) {
  return connection_.eval(scripts::stats, {keys_.ready},
                          {keys_.prefix, std::to_string(window_ms), std::to_string(alive_ms)});
}

}  // namespace swath::queue
