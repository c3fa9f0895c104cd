// One leased task, start to staged outputs: validate the envelope, dispatch on kind, measure, hash the outputs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "log/context.hpp"
#include "queue/client.hpp"
#include "queue/task.hpp"
#include "worker/failure.hpp"
#include "worker/handler.hpp"
#include "worker/watchdog.hpp"

namespace swath::worker {

struct Job {
  queue::Leased lease;
  std::int64_t leased_at_ms = 0;    // Redis TIME of the lease, for the task deadline
  std::optional<queue::Task> task;  // the envelope, parsed where leased; none when it does not parse (refused)
  log::Context context;             // made where the task was leased, used wherever it is talked about
};

// A leased task as the runner takes it: its envelope parsed once, and its log context: the worker's (worker_id), the
// task's ids and attempt, and a child span of the trace its job was enqueued under (the worker's own, with a warning,
// when the envelope's traceparent does not parse).
Job leased_job(queue::Leased lease, std::int64_t leased_at_ms);

struct Outcome {
  queue::Leased lease;
  log::Context context;  // the Job's: for the main loop's log lines about this task
  bool ok = false;
  Classified failure;
  std::string output_dir;   // final directory
  std::string staging_dir;  // attempt-specific: <output>/.swath-staging/<id>.<token>
  std::vector<OutputFile> files;
  std::map<std::string, std::uint64_t> stale;  // HandlerResult::stale
  std::string stale_guard;                     // HandlerResult::stale_guard
  core::Json record = core::Json::object();    // the ack record
  double seconds = 0;
};

// What the watchdog tracks: one attempt of a task. An attempt abandoned as hung may still be running when the next
// attempt of the same task starts on this worker; keyed by the task alone, its end would unwatch the new one.
inline std::string attempt_key(const queue::Leased& lease) { return lease.id + "@" + lease.token; }

struct TaskRunner {
  const HandlerRegistry& registry;
  std::vector<std::string> allow_roots;
  std::string worker_id;
  std::function<bool(const queue::Leased&)> stop_requested;  // lease lost, shutdown past grace, or overran
  Watchdog& watchdog;                                        // told each attempt's time limit while it runs
  std::int64_t timeout_ms = 0;                               // 0: the handler's default

  Outcome operator()(const Job& job) const;
};

// The directory an attempt stages its outputs in: unique per lease, so two attempts never share files.
std::string staging_dir_for(const std::string& output, const std::string& id, const std::string& token);

// {"staging": ..., "dir": ..., "files": {"name": "sha256", ...}}: what the commit records.
core::Json outputs_json(const Outcome& outcome);

}  // namespace swath::worker
