// QueueClient: marshals arguments for the Lua scripts and unpacks their replies.
#include "queue/client.hpp"

#include <deque>

#include "core/errors.hpp"
#include "queue/scripts.hpp"

namespace swath::queue {

namespace {

std::string text_of(const Value& v) { return v.type == Value::Type::integer ? std::to_string(v.integer) : v.as_string(); }

std::vector<std::string> with_refs(std::vector<std::string> args, const std::vector<LeaseRef>& refs) {
  for (const auto& [id, token] : refs) {
    args.push_back(id);
    args.push_back(token);
  }
  return args;
}

}  // namespace

EnqueueCounts QueueClient::enqueue(const std::vector<Task>& tasks, bool force, std::size_t batch) {
  // Up to `window` script calls in flight: Redis stores batch k while this thread serialises batch k+1.
  constexpr std::size_t window = 4;
  EnqueueCounts counts;
  std::deque<std::vector<std::string>> in_flight;
  std::vector<std::vector<std::string>> retry;
  auto tasks_in = [](const std::vector<std::string>& args) { return static_cast<std::int64_t>((args.size() - 3) / 3); };
  auto add = [&](const Value& reply) {
    counts.enqueued += reply.as_array().at(0).as_int();
    counts.duplicates += reply.as_array().at(1).as_int();
  };
  auto collect = [&] {
    const Value reply = connection_.receive();
    if (reply.is_noscript()) {
      retry.push_back(std::move(in_flight.front()));  // the script cache was flushed meanwhile: run it again below
    } else if (reply.is_error()) {
      // Refused whole (the script writes nothing when Redis is out of memory): none of this batch is queued.
      counts.not_queued += tasks_in(in_flight.front());
      if (counts.refusal.empty()) counts.refusal = reply.text;
    } else {
      add(reply);
    }
    in_flight.pop_front();
  };
  std::size_t start = 0;
  for (; start < tasks.size() && counts.refusal.empty(); start += batch) {
    std::vector<std::string> args{keys_.ready, keys_.prefix, force ? "1" : "0"};
    for (std::size_t i = start; i < std::min(tasks.size(), start + batch); ++i) {
      args.push_back(tasks[i].id);
      args.push_back(priority_name(tasks[i].priority));
      args.push_back(to_json(tasks[i]).dump());
    }
    connection_.send_eval(scripts::enqueue, args, 1);
    in_flight.push_back(std::move(args));
    if (in_flight.size() >= window) collect();
  }
  while (!in_flight.empty()) collect();
  if (start < tasks.size()) counts.not_queued += static_cast<std::int64_t>(tasks.size() - start);  // never sent
  for (const auto& args : retry) {
    const auto reply = connection_.eval_pipeline(scripts::enqueue, {args}, 1).front();
    add(reply);
  }
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
    batch.tasks.push_back({items[i].as_string(), text_of(items[i + 1]), items[i + 2].as_int(), items[i + 3].as_string()});
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
  sent_lease_ = {keys_.ready, keys_.prefix, worker, std::to_string(max_count), std::to_string(lease_ms),
                 std::to_string(max_leases)};
  connection_.send_eval(scripts::lease, sent_lease_, 1);
}

LeaseBatch QueueClient::receive_lease() {
  const Value reply = connection_.receive();
  // The script cache was flushed (SCRIPT FLUSH, a failover to a replica without it) after this connection
  // loaded it: nothing ran, so run the same lease again, which loads the script.
  if (reply.is_noscript()) return parse_lease(connection_.eval_pipeline(scripts::lease, {sent_lease_}, 1).front());
  if (reply.is_error()) throw core::DataError("Redis failed swath's lease script", reply.text, "check the server's log");
  return parse_lease(reply);
}

std::vector<std::string> QueueClient::renew(const std::string& worker, std::int64_t lease_ms,
                                            const std::vector<LeaseRef>& held) {
  const Value reply =
      connection_.eval(scripts::renew, {keys_.ready}, with_refs({keys_.prefix, std::to_string(lease_ms), worker}, held));
  std::vector<std::string> lost;
  for (const auto& v : reply.as_array()) lost.push_back(v.as_string());
  return lost;
}

namespace {

std::vector<std::string> commit_args(const Keys& keys, const std::vector<Commit>& commits, std::int64_t ttl_seconds,
                                     std::int64_t hold_ms) {
  std::vector<std::string> args{keys.prefix, std::to_string(ttl_seconds), std::to_string(hold_ms)};
  for (const auto& c : commits) {
    args.insert(args.end(), {c.id, c.token, c.outputs_json, c.result_json, std::to_string(c.seconds), c.has_files ? "1" : "0"});
  }
  return args;
}

std::vector<bool> parse_commit(const Value& reply) {
  std::vector<bool> ok;
  for (const auto& v : reply.as_array()) ok.push_back(v.as_int() == 1);
  return ok;
}

}  // namespace

std::vector<bool> QueueClient::commit(const std::vector<Commit>& commits, std::int64_t ttl_seconds, std::int64_t hold_ms) {
  return parse_commit(connection_.eval(scripts::commit, {keys_.ready}, commit_args(keys_, commits, ttl_seconds, hold_ms)));
}

void QueueClient::send_commit(const std::vector<Commit>& commits, std::int64_t ttl_seconds, std::int64_t hold_ms) {
  std::vector<std::string> keys_args{keys_.ready};
  const auto args = commit_args(keys_, commits, ttl_seconds, hold_ms);
  keys_args.insert(keys_args.end(), args.begin(), args.end());
  connection_.send_eval(scripts::commit, keys_args, 1);
}

std::optional<std::vector<bool>> QueueClient::receive_commit() {
  const Value reply = connection_.receive();
  if (reply.is_noscript()) return std::nullopt;
  if (reply.is_error()) throw core::DataError("Redis failed swath's commit script", reply.text, "check the server's log");
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

void QueueClient::goodbye(const std::string& worker) { connection_.eval(scripts::goodbye, {keys_.ready}, {keys_.prefix, worker}); }

std::vector<Finishing> QueueClient::claim_finishing(std::int64_t hold_ms) {
  const Value reply = connection_.eval(scripts::claim_finishing, {keys_.ready}, {keys_.prefix, std::to_string(hold_ms)});
  const auto& items = reply.as_array();
  std::vector<Finishing> out;
  for (std::size_t i = 0; i + 2 < items.size(); i += 3) out.push_back({text_of(items[i]), text_of(items[i + 1]), items[i + 2].as_int()});
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
  return connection_.eval(scripts::stats, {keys_.ready}, {keys_.prefix, std::to_string(window_ms), std::to_string(alive_ms)});
}

}  // namespace swath::queue
