// QueueClient: marshals arguments for the Lua scripts and unpacks their replies (enqueue: client_enqueue.cpp).
#include "queue/client.hpp"

#include "queue/scripts.hpp"

namespace swath::queue {

namespace {

// A task's failure as Redis keeps it (a retry's last error, a dead task's reason): at most about 4 KB, cut at a
// character's start, so one task's reason never holds megabytes there. The worker's log has it whole.
std::string bounded_reason(const std::string& error) {
  constexpr std::size_t limit = 4096;
  if (error.size() <= limit) return error;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(error[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return error.substr(0, cut) + "… (" + std::to_string(error.size() - cut) + " more bytes in the worker's log)";
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
                              std::int64_t max_leases, std::size_t max_low) {
  return parse_lease(connection_.eval(scripts::lease, {keys_.ready},
                                      {keys_.prefix, worker, std::to_string(max_count), std::to_string(lease_ms),
                                       std::to_string(max_leases), std::to_string(std::min(max_low, max_count))}));
}

void QueueClient::send_lease(const std::string& worker, std::size_t max_count, std::int64_t lease_ms,
                             std::int64_t max_leases, std::size_t max_low) {
  sent_lease_ = {keys_.ready,
                 keys_.prefix,
                 worker,
                 std::to_string(max_count),
                 std::to_string(lease_ms),
                 std::to_string(max_leases),
                 std::to_string(std::min(max_low, max_count))};
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
    args.insert(args.end(),
                {f.id, f.token, bounded_reason(f.error), f.permanent ? "1" : "0", std::to_string(f.delay_ms)});
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

std::vector<Finishing> QueueClient::claim_finishing(std::int64_t hold_ms, double hold_per_file_ms) {
  const Value reply = connection_.eval(scripts::claim_finishing, {keys_.ready},
                                       {keys_.prefix, std::to_string(hold_ms), std::to_string(hold_per_file_ms)});
  const auto& items = reply.as_array();
  std::vector<Finishing> out;
  for (std::size_t i = 0; i + 3 < items.size(); i += 4)
    out.push_back({text_of(items[i]), text_of(items[i + 1]), items[i + 2].as_int(), text_of(items[i + 3])});
  return out;
}

bool QueueClient::still_finishing(const std::string& id, const std::string& outputs_json) {
  const Value record = connection_.command({"HGET", keys_.prefix + "finish", id});
  return !record.is_nil() && !record.is_error() && record.text == outputs_json;
}

void QueueClient::finished(const std::vector<LeaseRef>& commits) {
  if (commits.empty()) return;
  std::vector<std::string> args{keys_.prefix};
  for (const auto& [id, token] : commits) args.insert(args.end(), {id, token});
  connection_.eval(scripts::finished, {keys_.ready}, args);
}

std::vector<std::string> QueueClient::finish_failed(const std::vector<FinishFailure>& failures, std::int64_t max_tries,
                                                    std::int64_t base_ms) {
  if (failures.empty()) return {};
  std::vector<std::string> args{keys_.prefix, std::to_string(max_tries), std::to_string(base_ms)};
  for (const auto& f : failures) args.insert(args.end(), {f.id, f.token, bounded_reason(f.error)});
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
