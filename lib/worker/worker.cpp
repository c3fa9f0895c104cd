// `swath worker`: run the worker loop, report its counts, keep a loop alive for threads stuck in it.
#include "worker/worker.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "log/context.hpp"
#include "log/logger.hpp"
#include "worker/worker_loop.hpp"

namespace swath::worker {

namespace {

// A thread stuck in an abandoned task may wake up at any time and use its loop: such a loop is kept alive,
// reachable from here and never destroyed (not even at exit, where joining its threads could block).
// Abandoned tasks were told to stop (their leases are gone): most end within moments, and a clean exit waits for
// them; one still running after that leaves the process to end without static destructors (core/cancel.hpp).
void keep_alive_if_stuck(std::unique_ptr<WorkerLoop>& loop) {
  static auto* kept = new std::vector<std::unique_ptr<WorkerLoop>>;
  for (int i = 0; i < 40 && loop->has_stuck_threads(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!loop->has_stuck_threads()) return;
  loop->quiesce();
  kept->push_back(std::move(loop));
  core::mark_threads_left_running();
}

// Roots are compared as task paths are, a relative one from the working directory. One missing here is warned about
// (another pod may mount it); when none exists, every task would be dead-lettered as outside them, a whole queue's
// work lost to one misconfigured pod: refused at start instead.
void check_allow_roots(const std::vector<std::string>& roots) {
  std::vector<std::string> missing;
  bool files = false;  // one names a file, not a directory
  for (const auto& root : roots) {
    std::error_code ec;
    if (root.rfind("/vsi", 0) == 0 || std::filesystem::is_directory(root, ec)) continue;
    files = files || std::filesystem::exists(root, ec);
    const std::string absolute = std::filesystem::absolute(root, ec).lexically_normal().string();
    missing.push_back("'" + root + "'" + (absolute == root ? "" : " (" + absolute + ")"));
  }
  if (missing.empty()) return;
  if (missing.size() == roots.size()) {
    throw core::UsageError(
        "--allow-root " + core::join(missing),
        files ? "not a directory here (a root is a directory the tasks' paths are under)" : "no such directory here",
        "mount the volume the tasks use, or name the directory it is mounted at (e.g. /data)");
  }
  for (const auto& root : missing)
    log::get("worker")->warn("--allow-root {}: no such directory here; tasks under it will not be found", root);
}

}  // namespace

core::Json to_json(const WorkerSummary& summary) {
  core::Json j = core::Json::object();
  j.set("schema", "swath.worker/1");
  j.set("leased", summary.leased);
  j.set("committed", summary.settled.committed);
  j.set("retried", summary.settled.retried);
  j.set("dead", summary.settled.dead);
  j.set("lost", summary.settled.lost);
  j.set("handed_back", summary.handed_back);
  j.set("hung", summary.hung);
  j.set("interrupted", summary.interrupted);
  return j;
}

std::string default_worker_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::mt19937 random{std::random_device{}()};
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(random() & 0xFFFF));
  return std::string(host) + "-" + std::to_string(::getpid()) + "-" + suffix;
}

WorkerSummary run_worker(const WorkerOptions& options, const HandlerRegistry& registry, WorkerSummary* so_far) {
  if (options.concurrency < 1) throw core::UsageError("--concurrency must be at least 1", "");
  check_allow_roots(options.allow_roots);
  WorkerOptions resolved = options;
  if (resolved.worker_id.empty()) resolved.worker_id = default_worker_id();
  const queue::Keys keys(resolved.queue);  // a bad name is a usage error before connecting
  // Every line of this worker names it, in every thread (tasks, renewals): workers on many hosts share a log store.
  const log::Scope worker_scope{{"worker_id", resolved.worker_id}};
  auto loop = std::make_unique<WorkerLoop>(resolved, registry);
  try {
    auto summary = loop->run();
    keep_alive_if_stuck(loop);
    return summary;
  } catch (...) {
    loop->abandon_running();
    if (so_far != nullptr) *so_far = loop->summary_so_far();
    loop->leave();
    keep_alive_if_stuck(loop);
    throw;
  }
}

}  // namespace swath::worker
