// The worker's main loop: keep the executor fed with leased tasks, settle outcomes in batches, stop cleanly.
#include "worker/worker.hpp"

#include <unistd.h>

#include <random>
#include <thread>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "log/logger.hpp"
#include "worker/executor.hpp"
#include "worker/metrics_server.hpp"

namespace swath::worker {

namespace {

using Pool = Executor<Job, Outcome>;
using Clock = std::chrono::steady_clock;

std::vector<queue::LeaseRef> refs_of(const std::vector<Job>& jobs) {
  std::vector<queue::LeaseRef> refs;
  for (const auto& j : jobs) refs.emplace_back(j.lease.id, j.lease.token);
  return refs;
}

class WorkerLoop {
 public:
  WorkerLoop(const WorkerOptions& options, const HandlerRegistry& registry)
      : options_(options),
        connect_{.reconnect_timeout = std::chrono::milliseconds(options.reconnect_timeout_ms),
                 .client_name = "swath-worker-" + options.worker_id},
        connection_(options.redis, connect_),
        client_(connection_, options.queue),
        settle_connection_(options.redis, settle_connect()),
        settle_client_(settle_connection_, options.queue),
        keeper_(options.redis, connect_, options.queue, options.worker_id, options.lease_ms),
        settler_(settle_client_, keeper_, options.settle),
        runner_{registry, options.allow_roots, options.worker_id,
                [this](const std::string& id) { return keeper_.lost(id) || past_grace_.load(); }},
        pool_(options.concurrency, [this](const Job& job) { return runner_(job); }),
        batch_(options.batch > 0 ? options.batch : std::max<std::size_t>(16, 4 * static_cast<std::size_t>(options.concurrency))) {
    if (options.metrics_port != 0) {
      metrics_server_ = std::make_unique<MetricsServer>(options.metrics_port, metrics_, options.queue, options.worker_id);
    }
  }

  WorkerSummary run() {
    const auto logger = log::get("worker");
    logger->info("worker {} serving queue {} at {} (concurrency {}, batch {})", options_.worker_id, options_.queue,
                 options_.redis.describe(), options_.concurrency, batch_);
    for (const auto& warning : connection_.durability_warnings()) logger->warn("{}", warning);
    auto next_orphan_check = Clock::now();
    auto next_lease = Clock::now();
    while (!core::cancel_requested()) {
      check_keeper();
      if (Clock::now() >= next_orphan_check) {
        settler_.finish_orphans(options_.lease_ms);
        next_orphan_check = Clock::now() + std::chrono::milliseconds(options_.lease_ms);
      }
      // Lease a full batch whenever half of the local queue has drained: few, large round trips. The request is
      // sent first and its reply read after collecting outcomes, so Redis leases while tasks run.
      const bool want_lease = pool_.queued() < batch_ && Clock::now() >= next_lease;
      const bool sent = want_lease && send_lease();
      auto outcomes = pool_.take(std::max<std::size_t>(1, std::min(pool_.busy(), batch_ / 2)),
                                 std::chrono::milliseconds(want_lease ? 5 : 20));
      if (!want_lease) {
        settle(std::move(outcomes));
        continue;
      }
      // Commits go on their own connection and are answered after the lease: Redis runs the commit right behind
      // the lease while this thread unpacks the leased tasks and starts them.
      settler_.send(std::move(outcomes));
      const auto leased = receive_lease(sent);
      settle({});
      if (leased.leased == 0) {
        if (pool_.busy() == 0 && options_.exit_when_empty && leased.waiting == 0) {
          logger->info("queue {} is empty: exiting", options_.queue);
          break;
        }
        next_lease = Clock::now() + std::chrono::milliseconds(options_.poll_ms);
      }
    }
    settle({});
    if (core::cancel_requested()) shut_down();
    connection_.with_reconnect([&] { client_.goodbye(options_.worker_id); });
    summary_.settled = settler_.counts();
    logger->info("worker {} stopping: {}", options_.worker_id, summary_.json().dump());
    return summary_;
  }

 private:
  bool send_lease() {
    try {
      client_.send_lease(options_.worker_id, batch_, options_.lease_ms, 3 * options_.settle.max_attempts);
      return true;
    } catch (const queue::ConnectionLost&) {
      return false;  // receive_lease leases again after reconnecting
    }
  }

  queue::LeaseBatch receive_lease(bool sent) {
    queue::LeaseBatch batch;
    try {
      if (!sent) throw queue::ConnectionLost("lease", "the request was not sent");
      batch = client_.receive_lease();
    } catch (const queue::ConnectionLost&) {
      // Tasks leased by a lost reply are unknown here; their leases expire and they are leased again.
      batch = connection_.with_reconnect([&] {
        return client_.lease(options_.worker_id, batch_, options_.lease_ms, 3 * options_.settle.max_attempts);
      });
    }
    std::vector<Job> jobs;
    for (auto& leased : batch.tasks) jobs.push_back(Job{std::move(leased), batch.now_ms});
    keeper_.hold(refs_of(jobs));
    summary_.leased += static_cast<std::int64_t>(jobs.size());
    pool_.submit(std::move(jobs));
    batch.tasks.clear();
    return batch;
  }

  void settle(std::vector<Outcome> outcomes) {
    settler_.settle(std::move(outcomes));  // also reads a commit still in flight
    const auto& c = settler_.counts();
    metrics_.leased = summary_.leased;
    metrics_.committed = c.committed;
    metrics_.retried = c.retried;
    metrics_.dead = c.dead;
    metrics_.lost = c.lost;
    metrics_.task_seconds = c.task_seconds;
    metrics_.in_flight = static_cast<std::int64_t>(pool_.busy());
  }

  void check_keeper() {
    if (keeper_.failed()) {
      throw core::IoError("Redis at " + options_.redis.describe() + " is unreachable", keeper_.failure(),
                          "work in flight was not committed and will be leased again");
    }
  }

  // SIGTERM: hand back what has not started, give running tasks the grace period, then hand them back too.
  void shut_down() {
    const auto logger = log::get("worker");
    summary_.interrupted = true;
    hand_back(refs_of(pool_.cancel_queued()));
    logger->info("stopping: waiting up to {} ms for {} running tasks", options_.grace_ms, pool_.running());
    const auto deadline = Clock::now() + std::chrono::milliseconds(options_.grace_ms);
    while (pool_.busy() > 0 && Clock::now() < deadline) settle(pool_.take(pool_.busy(), std::chrono::milliseconds(50)));
    if (pool_.busy() > 0) {
      past_grace_ = true;  // handlers checking stop_requested give up; their commits would be refused anyway
      logger->warn("grace period over: handing back {} running tasks", pool_.running());
      hand_back(keeper_.held());
      while (pool_.busy() > 0) settle(pool_.take(pool_.busy(), std::chrono::milliseconds(50)));
    }
  }

  void hand_back(const std::vector<queue::LeaseRef>& refs) {
    if (refs.empty()) return;
    std::vector<std::string> ids;
    for (const auto& [id, token] : refs) ids.push_back(id);
    keeper_.drop(ids);
    summary_.handed_back += connection_.with_reconnect([&] { return client_.release(refs); });
  }

  queue::ConnectOptions settle_connect() const {
    queue::ConnectOptions o = connect_;
    o.client_name += "-settle";
    return o;
  }

  const WorkerOptions& options_;
  queue::ConnectOptions connect_;
  queue::Connection connection_;  // leases (sent ahead, answered later) and hand-backs
  queue::QueueClient client_;
  queue::Connection settle_connection_;  // commits and failures
  queue::QueueClient settle_client_;
  LeaseKeeper keeper_;
  Settler settler_;
  std::atomic<bool> past_grace_{false};
  TaskRunner runner_;
  WorkerMetrics metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  Pool pool_;
  std::size_t batch_;
  WorkerSummary summary_;
};

}  // namespace

core::Json WorkerSummary::json() const {
  core::Json j = core::Json::object();
  j.set("schema", "swath.worker/1");
  j.set("leased", leased);
  j.set("committed", settled.committed);
  j.set("retried", settled.retried);
  j.set("dead", settled.dead);
  j.set("lost", settled.lost);
  j.set("handed_back", handed_back);
  j.set("interrupted", interrupted);
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

WorkerSummary run_worker(const WorkerOptions& options, const HandlerRegistry& registry) {
  if (options.concurrency < 1) throw core::UsageError("--concurrency must be at least 1", "");
  WorkerOptions resolved = options;
  if (resolved.worker_id.empty()) resolved.worker_id = default_worker_id();
  const queue::Keys keys(resolved.queue);  // a bad name is a usage error before connecting
  WorkerLoop loop(resolved, registry);
  return loop.run();
}

}  // namespace swath::worker
