// `swath worker` as a library call: lease tasks, run them through the handler registry, commit fenced, repeat.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "queue/redis_url.hpp"
#include "worker/handler.hpp"
#include "worker/settle.hpp"

namespace swath::worker {

struct WorkerOptions {
  queue::RedisEndpoint redis;
  std::string queue;
  std::string worker_id;                    // empty: host-pid-random
  bool exit_when_empty = false;             // for Kubernetes Jobs: stop when nothing is ready, delayed or leased
  int concurrency = 1;                      // tasks run at once (threads)
  std::size_t batch = 0;                    // tasks leased per call (0: 4 x concurrency, at least 16)
  std::vector<std::string> allow_roots;     // inputs, outputs, model cards lie under these (empty: anywhere)
  std::int64_t lease_ms = 30000;
  std::int64_t grace_ms = 25000;            // after SIGTERM: finish in-flight work within this, then hand it back
  std::int64_t poll_ms = 200;               // idle wait between empty leases
  std::int64_t reconnect_timeout_ms = 60000;
  int metrics_port = 0;                     // serve Prometheus metrics here when not 0
  SettlePolicy settle;
};

struct WorkerSummary {
  std::int64_t leased = 0;
  SettleCounts settled;
  std::int64_t handed_back = 0;
  bool interrupted = false;
  core::Json json() const;
};

// Runs until the queue is empty (exit_when_empty) or SIGINT/SIGTERM (core::cancel_requested).
// Throws IoError when Redis is unreachable at start or stays unreachable past the reconnect timeout.
WorkerSummary run_worker(const WorkerOptions& options, const HandlerRegistry& registry);

// host-pid-4 random hex digits.
std::string default_worker_id();

}  // namespace swath::worker
