// `swath worker` as a library call: lease tasks, run them through the handler registry, commit fenced, repeat.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/option_table.hpp"
#include "core/json.hpp"
#include "queue/redis_url.hpp"
#include "worker/handler.hpp"
#include "worker/settle.hpp"

namespace swath::worker {

struct WorkerOptions {
  queue::RedisEndpoint redis;
  std::string queue;
  std::string worker_id;         // empty: host-pid-random
  bool exit_when_empty = false;  // for Kubernetes Jobs: stop when nothing is ready, delayed or leased
  std::int64_t max_tasks = 0;    // lease at most this many, then exit once they are settled (0: no limit)
  int concurrency = 1;           // tasks run at once (threads)
  std::size_t batch = 0;         // most tasks leased per call (0: 1000)
  // Beyond the tasks it runs, a worker holds (leased, not started) about this much measured work: short tasks
  // come in batches of many per round trip, long ones one per free slot, so the rest waits in the ready list
  // where other workers, and the autoscaler, see it.
  double prefetch_seconds = 0.1;
  std::int64_t task_timeout_ms = 0;      // a task running longer is abandoned as hung (0: its kind's limit)
  bool allow_eviction = false;           // accept a Redis that may evict keys (refused otherwise)
  std::vector<std::string> allow_roots;  // inputs, outputs, model cards lie under these (empty: anywhere)
  std::int64_t lease_ms = 30000;
  std::int64_t grace_ms = 25000;  // after SIGTERM: finish in-flight work within this, then hand it back
  std::int64_t poll_ms = 200;     // idle wait between empty leases
  std::int64_t reconnect_timeout_ms = 60000;
  int metrics_port = 0;  // serve Prometheus metrics here when not 0
  SettlePolicy settle;
};

// The worker section: concurrency, batches, leases, grace, retries, time limits, allowed roots (with the
// defaults of WorkerOptions and its SettlePolicy). Redis, the queue name and the record TTL are the queue
// section's; the worker id, --exit-when-empty and the metrics port are flags of `swath worker` only.
const config::OptionTable<WorkerOptions>& worker_table();

struct WorkerSummary {
  std::int64_t leased = 0;
  SettleCounts settled;
  std::int64_t handed_back = 0;
  std::int64_t hung = 0;  // tasks abandoned past their time limit
  bool interrupted = false;
};
core::Json to_json(const WorkerSummary& summary);  // swath.worker/1

// Runs until the queue is empty (exit_when_empty), max_tasks are settled, or SIGINT/SIGTERM (core::cancel_requested).
// Throws IoError when Redis is unreachable at start or stays unreachable past the reconnect timeout, or when
// too many tasks hang in this process (it must be replaced); core::Interrupted when a shutdown's grace runs
// out while Redis is unreachable.
// `so_far`: when it throws, the counts up to the error (zero when it never connected).
WorkerSummary run_worker(const WorkerOptions& options, const HandlerRegistry& registry,
                         WorkerSummary* so_far = nullptr);

// host-pid-4 random hex digits.
std::string default_worker_id();

}  // namespace swath::worker
