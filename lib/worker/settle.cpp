// Commit, rename, retry, dead-letter: the only place a task's effect becomes visible.
#include "worker/settle.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "log/logger.hpp"
#include "log/trace_context.hpp"

namespace swath::worker {

namespace {

// A task's log fields from its queue key "JOB:ID".
std::vector<log::Field> key_fields(const std::string& key) {
  const auto colon = key.find(':');
  return {{"task_id", key.substr(colon + 1)}, {"job_id", key.substr(0, colon)}};
}

// A committed task left to any worker: its ids, and the trace its commit recorded (outputs_json), when it did.
log::Context orphan_context(const queue::Finishing& orphan) {
  auto context = log::current().with(key_fields(orphan.id));
  try {
    const auto json = core::Json::parse(orphan.outputs_json);
    std::string why;
    if (const auto* recorded = json.find("traceparent"))
      if (const auto trace = log::parse_traceparent(recorded->as_string(), why))
        return context.with(log::trace_fields(*trace));
  } catch (const core::Error&) {
    // An unreadable record: finish_orphans says so under the ids alone.
  }
  return context;
}

// The removal a commit record (`text`, parsed as `record`) asks for: its "stale" files, fenced by its "stale_guard"
// (none without one) and, before the first and every 1,000, by Redis still holding it as task `id`'s unfinished
// commit.
EarlierFiles earlier_files(queue::QueueClient& client, const std::string& id, const core::Json& record,
                           const std::string& text) {
  EarlierFiles earlier;
  const auto* stale = record.find("stale");
  const auto* stale_guard = record.find("stale_guard");
  if (stale == nullptr || stale_guard == nullptr) return earlier;
  for (const auto& [name, bytes] : stale->as_object()) earlier.files[name] = static_cast<std::uint64_t>(bytes.as_int());
  earlier.guard = stale_guard->as_string();
  if (const auto* hash = record.at("files").find(earlier.guard)) earlier.guard_sha256 = hash->as_string();
  earlier.still_finishing = [&client, id, text] {
    return client.connection().with_reconnect([&] { return client.still_finishing(id, text); });
  };
  return earlier;
}

std::vector<queue::LeaseRef> leases_of(const std::vector<Outcome>& outcomes) {
  std::vector<queue::LeaseRef> leases;
  for (const auto& o : outcomes) leases.emplace_back(o.lease.id, o.lease.token);
  return leases;
}
}  // namespace

Settler::Settler(queue::QueueClient& client, LeaseKeeper& keeper, SettlePolicy policy)
    : client_(client), keeper_(keeper), policy_(policy) {}

void Settler::settle(std::vector<Outcome> outcomes) {
  send(std::move(outcomes));
  receive();
}

void Settler::send(std::vector<Outcome> outcomes) {
  receive();
  std::vector<Outcome> successes, failures;
  for (auto& o : outcomes) (o.ok ? successes : failures).push_back(std::move(o));
  if (!failures.empty()) fail(failures);
  if (successes.empty()) return;
  for (const auto& o : successes) {
    // A task without files records no outputs object: less to store for the many small tasks.
    sent_commits_.push_back({o.lease.id, o.lease.token, o.files.empty() ? std::string() : outputs_json(o).dump(),
                             o.record.dump(), o.seconds, !o.files.empty()});
  }
  sent_ = std::move(successes);
  keeper_.settling(leases_of(sent_));
  std::size_t files = 0;  // moved (or an earlier run's removed) one commit after another: the hold is for them all
  for (const auto& o : sent_) files += o.files.size() + o.stale.size();
  sent_hold_ms_ = policy_.finish_hold_ms +
                  static_cast<std::int64_t>(std::ceil(static_cast<double>(files) * policy_.finish_hold_per_file_ms));
  try {
    client_.send_commit(sent_commits_, sent_hold_ms_);
  } catch (const queue::ConnectionLost&) {
    resend_ = true;
  }
}

void Settler::receive() {
  if (sent_.empty()) return;
  std::optional<std::vector<bool>> accepted;
  if (!resend_) {
    try {
      accepted = client_.receive_commit();
    } catch (const queue::ConnectionLost&) {}
  }
  // Safe to repeat after a reconnect or a flushed script: the script accepts a commit already recorded under the
  // same token.
  if (!accepted) {
    accepted = client_.connection().with_reconnect([&] { return client_.commit(sent_commits_, sent_hold_ms_); });
  }
  auto successes = std::move(sent_);
  sent_.clear();
  sent_commits_.clear();
  resend_ = false;
  apply_commit(successes, *accepted);
}

void Settler::apply_commit(std::vector<Outcome>& successes, const std::vector<bool>& accepted) {
  const auto logger = log::get("worker");
  std::vector<queue::LeaseRef> moved;
  std::vector<Unmoved> unmoved;
  keeper_.drop(leases_of(successes));
  for (std::size_t i = 0; i < successes.size(); ++i) {
    auto& o = successes[i];
    log::ContextGuard guard(o.context);
    if (!accepted.at(i)) {
      if (handed_back_.erase(o.lease.id) > 0) {
        logger->info("finished after its lease was handed back: outputs discarded, it runs again");
      } else {
        ++counts_.lost;
        logger->warn("lease lost before commit: outputs discarded, another worker runs the task");
      }
      discard_staging(o.staging_dir);
      continue;
    }
    ++counts_.committed;
    counts_.task_seconds += o.seconds;
    if (!o.files.empty()) {
      std::vector<std::string> names;
      for (const auto& f : o.files) names.push_back(f.name);
      try {
        EarlierFiles earlier;
        if (!o.stale.empty()) {
          const auto record = outputs_json(o);
          earlier = earlier_files(client_, o.lease.id, record, record.dump());  // the text as committed
        }
        move_into_place(o.staging_dir, o.output_dir, names, earlier);
        moved.emplace_back(o.lease.id, o.lease.token);
      } catch (const core::Error& e) {
        // Committed: the task is done once its files are in place. Retried (here or by any worker), never dropped.
        logger->error("committed, but cannot move the outputs into place: {}", core::describe(e));
        unmoved.push_back({o.lease.id, o.lease.token, core::describe(e), o.context});
      }
    }
    logger->debug("committed in {:.3f} s ({} outputs)", o.seconds, o.files.size());
  }
  client_.connection().with_reconnect([&] { client_.finished(moved); });
  report_unfinished(unmoved);
}

void Settler::report_unfinished(const std::vector<Unmoved>& failures) {
  if (failures.empty()) return;
  const auto logger = log::get("worker");
  std::vector<queue::FinishFailure> reasons;
  for (const auto& f : failures) reasons.push_back({f.id, f.token, f.error});
  const auto results = client_.connection().with_reconnect(
      [&] { return client_.finish_failed(reasons, policy_.max_attempts, policy_.backoff_base_ms); });
  for (std::size_t i = 0; i < failures.size(); ++i) {
    const log::ContextGuard guard(failures[i].context);
    if (results.at(i) == "dead") {
      ++counts_.dead;  // committed, then dead: the summary counts it in both, as `queue dead list` shows it
      logger->error("task dead-lettered: its committed outputs could not be moved into place: {}", failures[i].error);
    } else if (results.at(i) == "retry") {
      logger->warn("moving the committed outputs into place will be tried again");
    }
  }
}

void Settler::handed_back(const std::vector<std::string>& ids) { handed_back_.insert(ids.begin(), ids.end()); }

void Settler::fail(std::vector<Outcome>& failures) {
  const auto logger = log::get("worker");
  std::vector<queue::Failure> records;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const auto& o : failures) {
    const auto delay = retry_delay_ms(o.lease.attempt, policy_.backoff_base_ms, policy_.backoff_max_ms, unit(random_));
    records.push_back({o.lease.id, o.lease.token, o.failure.reason, o.failure.permanent, delay});
  }
  keeper_.settling(leases_of(failures));
  const auto results = client_.connection().with_reconnect([&] { return client_.fail(records, policy_.max_attempts); });
  for (std::size_t i = 0; i < failures.size(); ++i) {
    log::ContextGuard guard(failures[i].context);
    keeper_.drop({{failures[i].lease.id, failures[i].lease.token}});
    const auto& result = results.at(i);
    if (result == "lost" && handed_back_.erase(failures[i].lease.id) > 0) {
      logger->info("stopped after its lease was handed back: it runs again");
    } else if (result == "dead") {
      discard_stale_attempts(failures[i].staging_dir);  // earlier attempts' files can never be committed now
      ++counts_.dead;
      logger->error("task dead-lettered: {}", records[i].error);
    } else if (result == "retry") {
      ++counts_.retried;
      logger->warn("task failed, retrying in {} ms: {}", records[i].delay_ms, records[i].error);
    } else {
      ++counts_.lost;
      logger->warn("task failed after its lease was lost: {}", records[i].error);
    }
  }
}

void Settler::finish_orphans() {
  receive();
  const auto logger = log::get("worker");
  const auto orphans = client_.connection().with_reconnect(
      [&] { return client_.claim_finishing(policy_.finish_hold_ms, policy_.finish_hold_per_file_ms); });
  std::vector<queue::LeaseRef> done;
  std::vector<Unmoved> unmoved;
  for (const auto& orphan : orphans) {
    const auto context = orphan_context(orphan);
    const log::ContextGuard guard(context);
    try {
      if (orphan.outputs_json.empty()) throw core::DataError("committed task", "its record names no outputs");
      const auto json = core::Json::parse(orphan.outputs_json);
      std::vector<std::string> names;
      for (const auto& [name, hash] : json.at("files").as_object()) names.push_back(name);
      const EarlierFiles earlier = earlier_files(client_, orphan.id, json, orphan.outputs_json);
      move_into_place(json.at("staging").as_string(), json.at("dir").as_string(), names, earlier);
      logger->info("moved a committed task's outputs into place (its worker stopped or failed before it could)");
      done.emplace_back(orphan.id, orphan.token);
    } catch (const core::Error& e) {
      logger->error("cannot move a committed task's outputs into place: {}", core::describe(e));
      unmoved.push_back({orphan.id, orphan.token, core::describe(e), context});
    }
  }
  client_.connection().with_reconnect([&] { client_.finished(done); });
  report_unfinished(unmoved);
}

}  // namespace swath::worker
