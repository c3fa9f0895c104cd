// Commit, rename, retry, dead-letter: the only place a task's effect becomes visible.
#include "worker/settle.hpp"

#include <cmath>
#include <filesystem>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "log/logger.hpp"
#include "log/trace_context.hpp"

namespace swath::worker {

namespace {
namespace fs = std::filesystem;

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
}  // namespace

void check_output_name(const std::string& name) {
  // Relative, inside the staging directory, and never a hidden name (temporaries and .swath-staging are).
  bool ok = !name.empty() && name.front() != '/' && name.back() != '/';
  for (std::size_t start = 0; ok && start <= name.size();) {
    const auto slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    ok = !part.empty() && part[0] != '.';
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!ok) {
    throw core::DataError("handler output '" + name + "'",
                          "outputs must be relative paths in the staging directory, without '..' or hidden parts");
  }
}

void move_into_place(const std::string& staging, const std::string& dir, const std::vector<std::string>& names) {
  // A tile task commits thousands of files: their file system written back at once, so each file's fsync (which
  // reports its own errors) has nothing left to write (2,000 files of 50 kB: 0.17-0.25 s, against 0.26-0.32 s
  // of fsyncs alone; a 2,209-tile PNG task: 6.3-6.5 s against 5.8-5.9 s for `swath tile`, was 8.0 against 6.5).
  if (names.size() > 1) core::write_back_file_system(staging);
  // Whether a path is there; an error (no permission on the way) is the move's failure, named, not a crash of the
  // worker (fs::exists throws its own type, which no caller catches).
  const auto present = [](const std::string& path) {
    std::error_code ec;
    const bool there = fs::exists(path, ec);
    if (ec) throw core::IoError("cannot look at '" + path + "'", ec.message(), "check the output's permissions");
    return there;
  };
  // Every destination looked at before the first rename: one that cannot take its file (a directory there, a file
  // where a directory goes, no permission) fails the move with nothing moved, so a move that dies leaves all its
  // files in staging, as its reason says, and none in place listed by nothing.
  std::set<std::string> ready;
  for (const auto& name : names) {
    check_output_name(name);  // the names come back from Redis when another worker finishes the move
    const std::string to = dir + "/" + name;
    const std::string parent = fs::path(to).parent_path().string();
    if (ready.insert(parent).second) core::ensure_writable_directory(parent);  // once per directory, not per file
    std::error_code ec;
    if (fs::symlink_status(to, ec).type() == fs::file_type::directory && present(staging + "/" + name))
      throw core::IoError("cannot write '" + to + "'", "a directory has that name",
                          "remove or rename that directory, then `swath queue dead retry` the task");
    if (const auto problem = core::unreplaceable_problem(to); !problem.empty())
      throw core::IoError("cannot write '" + to + "'", problem, "remove it, then `swath queue dead retry` the task");
  }
  std::set<std::string> dirs;   // the directories renamed into: synced before the move is reported done
  std::set<std::string> above;  // their parents up to the output's
  for (const auto& name : names) {
    const std::string from = staging + "/" + name;
    const std::string to = dir + "/" + name;
    const std::string parent = fs::path(to).parent_path().string();
    try {
      if (present(from)) core::commit_file(from, to);
    } catch (const core::IoError&) {
      // Another worker finishing the same orphaned commit moved it first.
      if (present(from) || !present(to)) throw;
    }
    if (std::error_code ec; !fs::is_regular_file(to, ec)) {  // a directory there is no file moved
      throw core::IoError("committed output '" + to + "' is missing", "its staged file '" + from + "' is gone too",
                          "run the task again with `swath enqueue --force`");
    }
    dirs.insert(parent);
    // Those made for it up to the output's parent (a new directory's entry is in its parent): best effort, as a
    // directory above the output may be one the worker cannot open. Every one, not only those this call made: a
    // worker finishing an orphaned move finds the dead one's directories made but maybe never synced.
    for (fs::path up = fs::path(parent).parent_path(); !up.empty(); up = up.parent_path()) {
      if (!above.insert(up.string()).second || up == fs::path(dir).parent_path() || up == up.parent_path()) break;
    }
  }
  // Redis is told the files are in place only once their renames are on disk: a host crash after `finished` would
  // otherwise lose them with nothing left to move them again.
  for (const auto& d : dirs) core::sync_directory(d);
  for (const auto& d : above) {
    if (dirs.count(d) == 0) core::sync_directory_if_possible(d);
  }
  discard_staging(staging);
  discard_stale_attempts(staging);
}

void discard_stale_attempts(const std::string& staging) {
  // <id>.<token>: attempts of the same task under older leases (killed or too slow) can never commit now.
  if (staging.empty()) return;
  const fs::path path(staging);
  const std::string name = path.filename().string();
  const std::string prefix = name.substr(0, name.rfind('.') + 1);
  std::error_code ec;
  for (auto it = fs::directory_iterator(path.parent_path(), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) == 0) discard_staging(it->path().string());
  }
}

void discard_staging(const std::string& staging) {
  if (staging.empty()) return;
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::remove(fs::path(staging).parent_path(), ec);  // .swath-staging, when no other attempt uses it
}

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
  std::size_t files = 0;  // moved one commit after another: the hold is for them all
  for (const auto& o : sent_) files += o.files.size();
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
  std::vector<std::string> moved;
  std::vector<queue::LeaseRef> leases;
  std::vector<Unmoved> unmoved;
  for (const auto& o : successes) leases.emplace_back(o.lease.id, o.lease.token);
  keeper_.drop(leases);
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
        move_into_place(o.staging_dir, o.output_dir, names);
        moved.push_back(o.lease.id);
      } catch (const core::Error& e) {
        // Committed: the task is done once its files are in place. Retried (here or by any worker), never dropped.
        logger->error("committed, but cannot move the outputs into place: {}", core::describe(e));
        unmoved.push_back({o.lease.id, core::describe(e), o.context});
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
  std::vector<std::pair<std::string, std::string>> reasons;
  for (const auto& f : failures) reasons.emplace_back(f.id, f.error);
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
  std::vector<std::string> done;
  std::vector<Unmoved> unmoved;
  for (const auto& orphan : orphans) {
    const auto context = orphan_context(orphan);
    const log::ContextGuard guard(context);
    try {
      if (orphan.outputs_json.empty()) throw core::DataError("committed task", "its record names no outputs");
      const auto json = core::Json::parse(orphan.outputs_json);
      std::vector<std::string> names;
      for (const auto& [name, hash] : json.at("files").as_object()) names.push_back(name);
      move_into_place(json.at("staging").as_string(), json.at("dir").as_string(), names);
      logger->info("moved a committed task's outputs into place (its worker stopped or failed before it could)");
      done.push_back(orphan.id);
    } catch (const core::Error& e) {
      logger->error("cannot move a committed task's outputs into place: {}", core::describe(e));
      unmoved.push_back({orphan.id, core::describe(e), context});
    }
  }
  client_.connection().with_reconnect([&] { client_.finished(done); });
  report_unfinished(unmoved);
}

}  // namespace swath::worker
