// The worker's main loop as a class: keep the executor fed with leased tasks, settle outcomes in batches, stop
// cleanly. Internal to the worker module (run_worker in worker.hpp is its interface).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "queue/client.hpp"
#include "queue/connection.hpp"
#include "worker/executor.hpp"
#include "worker/lease_keeper.hpp"
#include "worker/metrics_server.hpp"
#include "worker/run_task.hpp"
#include "worker/settle.hpp"
#include "worker/watchdog.hpp"
#include "worker/worker.hpp"

namespace swath::worker {

class WorkerLoop {
 public:
  using Pool = Executor<Job, Outcome>;

  WorkerLoop(const WorkerOptions& options, const HandlerRegistry& registry);
  WorkerSummary run();
  // The counts up to now (a worker leaving on an error reports them).
  WorkerSummary summary_so_far() const;
  // A worker leaving on an error (at start-up: Redis evicts, a port is taken): its entry among the live workers goes
  // now, not when its heartbeat ages out, so `queue stats` and `scale-plan` do not count it. Best effort.
  void leave() noexcept;
  // Threads stuck in abandoned tasks keep using this loop if they ever wake up.
  bool has_stuck_threads() const;
  // What keeps running in a loop kept alive for its stuck threads: the renewals and the metrics server.
  void quiesce();
  // Gives up on every running task (a worker leaving on an error, or with Redis gone past its shutdown grace):
  // cooperative handlers stop, and none is waited for; their leases expire and they run again elsewhere.
  void abandon_running();

 private:
  bool quota_leased() const;
  std::size_t lease_count() const;
  std::size_t free_slots() const;
  void learn(const std::vector<Outcome>& outcomes);
  bool send_lease(std::size_t count);
  queue::LeaseBatch receive_lease(bool sent, std::size_t count);
  void settle(std::vector<Outcome> outcomes);
  // A task past its time limit: its thread is given up (a replacement takes its place) and the task fails
  // with the reason, so it is retried and, hung every time, dead-lettered.
  void abandon_overdue();
  // Each abandoned task may hold a thread forever (a read that never returns): past a few, the process must go.
  bool too_many_hung() const;
  void check_keeper();
  // The first SIGTERM starts the clock; --grace later, running tasks are stopped and handed back, and a Redis
  // that is down is no longer waited for.
  bool past_shutdown_deadline() const;
  // SIGTERM: hand back what has not started, give running tasks the grace period, then hand them back too.
  void shut_down();
  void hand_back(const std::vector<queue::LeaseRef>& refs);
  queue::ConnectOptions settle_connect() const;

  const WorkerOptions& options_;
  mutable std::atomic<std::int64_t> stop_seen_ms_{0};
  std::atomic<bool> stopping_{false};
  queue::ConnectOptions connect_;
  queue::Connection connection_;  // leases (sent ahead, answered later) and hand-backs
  queue::QueueClient client_;
  queue::Connection settle_connection_;  // commits and failures
  queue::QueueClient settle_client_;
  LeaseKeeper keeper_;
  Settler settler_;
  Watchdog watchdog_;
  TaskRunner runner_;
  WorkerMetrics metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  Pool pool_;
  std::size_t max_batch_;
  double mean_task_seconds_ = 0;
  WorkerSummary summary_;
};

}  // namespace swath::worker
