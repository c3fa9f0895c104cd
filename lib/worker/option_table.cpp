// The worker section declared once: `swath worker`'s flags, the config file and SWATH_WORKER__* variables.
#include <cmath>

#include "worker/worker.hpp"

namespace swath::worker {

namespace {

// Seconds in the config, milliseconds in WorkerOptions.
template <class At>
void seconds(config::OptionTable<WorkerOptions>& table, config::Key key, double min, double max, At at) {
  table.parsed(
      std::move(key), config::Type::number, at,
      [](std::int64_t ms) { return config::number_text(static_cast<double>(ms) / 1000.0); },
      [](const config::Entry& e) {
        return static_cast<std::int64_t>(std::llround(std::get<double>(e.value) * 1000.0));
      },
      {}, min, max);
}

}  // namespace

const config::OptionTable<WorkerOptions>& worker_table() {
  static const auto table = [] {
    config::OptionTable<WorkerOptions> t("worker");
    t.integer(
         {"concurrency", "--concurrency", "tasks run at once"}, 1, 1024,
         [](WorkerOptions & o) -> auto& { return o.concurrency; })
        .integer(
            {"batch", "--batch", "most tasks leased per round trip (0: 1000)"}, 0, 10000,
            [](WorkerOptions & o) -> auto& { return o.batch; })
        .number(
            {"prefetch_seconds", "--prefetch",
             "measured work a worker leases beyond what its free slots start (short tasks come in batches; long ones "
             "wait in the queue for others)"},
            0, 3600, [](WorkerOptions & o) -> auto& { return o.prefetch_seconds; })
        .integer(
            {"max_attempts", "--max-attempts", "failed attempts before a task is dead-lettered"}, 1, 1000,
            [](WorkerOptions & o) -> auto& { return o.settle.max_attempts; });
    seconds(
        t, {"lease_seconds", "--lease", "lease length; renewed every third of it while a task runs"}, 0.1, 86400,
        [](WorkerOptions & o) -> auto& { return o.lease_ms; });
    seconds(
        t, {"grace_seconds", "--grace", "after SIGTERM: time to finish running tasks (Kubernetes allows 30)"}, 0, 3600,
        [](WorkerOptions & o) -> auto& { return o.grace_ms; });
    seconds(
        t, {"backoff_seconds", "--backoff", "first retry delay; doubles per attempt, with jitter"}, 0.001, 3600,
        [](WorkerOptions & o) -> auto& { return o.settle.backoff_base_ms; });
    seconds(
        t, {"backoff_max_seconds", "", "longest retry delay"}, 0.001, 86400,
        [](WorkerOptions & o) -> auto& { return o.settle.backoff_max_ms; });
    seconds(
        t, {"reconnect_seconds", "--reconnect-timeout", "how long to keep reconnecting to Redis before exiting 1"}, 0.1,
        86400, [](WorkerOptions & o) -> auto& { return o.reconnect_timeout_ms; });
    seconds(
        t,
        {"task_timeout_seconds", "--task-timeout",
         "a task running longer is abandoned as hung, retried, then dead-lettered (0: 2 h for tile and detect, 10 min "
         "for noop and checksum)"},
        0, 30 * 86400, [](WorkerOptions & o) -> auto& { return o.task_timeout_ms; });
    t.list(
        {"allow_roots", "--allow-root",
         "directories task inputs, outputs and model cards must lie under (repeatable; empty: anywhere)"},
        [](WorkerOptions & o) -> auto& { return o.allow_roots; });
    return t;
  }();
  return table;
}

}  // namespace swath::worker
