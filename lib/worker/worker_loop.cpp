// The worker's main loop: keep the executor fed with leased tasks, settle outcomes in batches, stop cleanly.
#include "worker/worker_loop.hpp"

#include <fmt/format.h>

#include <exception>
#include <map>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "log/logger.hpp"
#include "queue/admin.hpp"
#include "worker/prefetch.hpp"

namespace swath::worker {

namespace {

using Clock = std::chrono::steady_clock;

// Orphaned commits are announced by every lease reply; this also looks when the worker is too busy to lease.
constexpr auto orphan_check_interval = std::chrono::seconds(5);
// After shutdown hands back a running task, how long its handler has to notice and stop.
constexpr auto stop_wait = std::chrono::seconds(2);

std::vector<queue::LeaseRef> refs_of(const std::vector<Job>& jobs) {
  std::vector<queue::LeaseRef> refs;
  for (const auto& j : jobs) refs.emplace_back(j.lease.id, j.lease.token);
  return refs;
}

std::vector<log::Context> contexts_of(const std::vector<Job>& jobs) {
  std::vector<log::Context> contexts;
  for (const auto& j : jobs) contexts.push_back(j.context);
  return contexts;
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

WorkerLoop::WorkerLoop(const WorkerOptions& options, const HandlerRegistry& registry)
    : options_(options),
      connect_{.reconnect_timeout = std::chrono::milliseconds(options.reconnect_timeout_ms),
               .client_name = "swath-worker-" + options.worker_id,
               .give_up = [this] { return past_shutdown_deadline(); },
               .stop_consequence =
                   "work in flight, if any, was neither committed nor handed back: its leases expire and it "
                   "runs again",
               .contact = std::make_shared<queue::ContactWatch>()},
      connection_(options.redis, connect_),
      client_(connection_, options.queue),
      settle_connection_(options.redis, settle_connect()),
      settle_client_(settle_connection_, options.queue),
      keeper_(options.redis, connect_, options.queue, options.worker_id, options.lease_ms),
      settler_(settle_client_, keeper_, options.settle),
      runner_{
          registry,
          options.allow_roots,
          options.worker_id,
          [this](const queue::Leased& lease) {
            return keeper_.lost({lease.id, lease.token}) || stopping_.load() || watchdog_.overran(attempt_key(lease));
          },
          watchdog_,
          options.task_timeout_ms},
      pool_(options.concurrency, [this](const Job& job) { return runner_(job); }),
      max_batch_(options.batch > 0 ? options.batch : 1000) {
  if (options.metrics_port != 0) {
    try {
      metrics_server_ =
          std::make_unique<MetricsServer>(options.metrics_port, metrics_, options.queue, options.worker_id);
    } catch (...) {
      leave();  // the keeper has announced this worker already
      throw;
    }
  }
}

WorkerSummary WorkerLoop::run() {
  const auto logger = log::get("worker");
  // Waited out as every later call is (a restart, another client's long script), not an exit 1 at start-up.
  const auto warnings = connection_.with_reconnect([&] {
    connection_.refuse_read_only_replica();
    auto said = connection_.check_durability(options_.allow_eviction);
    queue::check_layout(connection_, client_.keys());
    return said;
  });
  for (const auto& warning : warnings) logger->warn("{}", warning);
  // A mistyped --queue would poll forever (or exit at once with --exit-when-empty) without a word.
  if (!queue::queue_seen(connection_, client_.keys()))
    logger->warn(
        "{}; {}", queue::never_used_note(connection_, options_.queue),
        options_.exit_when_empty ? "exiting: nothing to do (--exit-when-empty)" : "polling it until work arrives");
  logger->info("worker {} serving queue {} at {} (concurrency {}, batch up to {})", options_.worker_id, options_.queue,
               options_.redis.describe(), options_.concurrency, max_batch_);
  auto next_orphan_check = Clock::now();
  auto next_lease = Clock::now();
  std::int64_t due_finishing = 0;
  while (!core::cancel_requested() && !too_many_hung()) {
    check_keeper();
    abandon_overdue();
    if (due_finishing > 0 || Clock::now() >= next_orphan_check) {
      settler_.finish_orphans();
      next_orphan_check = Clock::now() + orphan_check_interval;
    }
    // The lease request is sent first and its reply read after collecting outcomes, so Redis leases while
    // tasks run.
    const std::size_t count = Clock::now() >= next_lease ? lease_count() : 0;
    const bool sent = count > 0 && send_lease(count);
    auto outcomes = pool_.take(std::max<std::size_t>(1, std::min(pool_.busy(), max_batch_ / 2)),
                               std::chrono::milliseconds(count > 0 ? 5 : 20));
    learn(outcomes);
    if (count == 0) {
      settle(std::move(outcomes));
      if (quota_leased() && pool_.busy() == 0) {
        logger->info("worker {} settled its {} tasks (--max-tasks): exiting", options_.worker_id, options_.max_tasks);
        break;
      }
      continue;
    }
    // Commits go on their own connection and are answered after the lease: Redis runs the commit right behind
    // the lease while this thread unpacks the leased tasks and starts them.
    settler_.send(std::move(outcomes));
    const auto leased = receive_lease(sent, count);
    due_finishing = leased.due_finishing;
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
  const bool hung = too_many_hung();
  if (core::cancel_requested() || hung) shut_down();
  connection_.with_reconnect([&] { client_.goodbye(options_.worker_id); });
  summary_.settled = settler_.counts();
  logger->info("worker {} stopping: {}", options_.worker_id, to_json(summary_).dump());
  if (hung) {
    throw core::IoError("worker " + options_.worker_id, std::to_string(pool_.stuck()) + " tasks hang in its threads",
                        "a read that hangs cannot be interrupted: start a fresh worker (its tasks were handed back)");
  }
  return summary_;
}

WorkerSummary WorkerLoop::summary_so_far() const {
  WorkerSummary summary = summary_;
  summary.settled = settler_.counts();
  return summary;
}

void WorkerLoop::leave() noexcept {
  keeper_.stop();
  try {
    client_.goodbye(options_.worker_id);
  } catch (...) {
    // Redis itself is what failed: the entry ages out (30 s).
  }
}

bool WorkerLoop::has_stuck_threads() const { return pool_.stuck() > 0; }

void WorkerLoop::quiesce() {
  keeper_.stop();
  metrics_server_.reset();
}

void WorkerLoop::abandon_running() {
  stopping_ = true;
  pool_.abandon([](const Job&) { return true; });
}

bool WorkerLoop::quota_leased() const { return options_.max_tasks > 0 && summary_.leased >= options_.max_tasks; }

std::size_t WorkerLoop::lease_count() const {
  if (quota_leased()) return 0;
  const auto wanted = tasks_to_lease({.concurrency = static_cast<std::size_t>(options_.concurrency),
                                      .running = pool_.running(),
                                      .queued = pool_.queued(),
                                      .mean_task_seconds = mean_task_seconds_,
                                      .max_batch = max_batch_,
                                      .prefetch_seconds = options_.prefetch_seconds});
  if (options_.max_tasks <= 0) return wanted;
  return std::min(wanted, static_cast<std::size_t>(options_.max_tasks - summary_.leased));
}

// Low tasks are leased for the slots free now only: prefetched ones would hold up high work queued after them.
std::size_t WorkerLoop::free_slots() const {
  const auto taken = pool_.running() + pool_.queued();
  const auto slots = static_cast<std::size_t>(options_.concurrency);
  return slots > taken ? slots - taken : 0;
}

void WorkerLoop::learn(const std::vector<Outcome>& outcomes) {
  for (const auto& o : outcomes) {
    mean_task_seconds_ = mean_task_seconds_ == 0 ? o.seconds : 0.8 * mean_task_seconds_ + 0.2 * o.seconds;
  }
}

bool WorkerLoop::send_lease(std::size_t count) {
  try {
    client_.send_lease(options_.worker_id, count, options_.lease_ms, 3 * options_.settle.max_attempts, free_slots());
    return true;
  } catch (const queue::ConnectionLost&) {
    return false;  // receive_lease leases again after reconnecting
  }
}

queue::LeaseBatch WorkerLoop::receive_lease(bool sent, std::size_t count) {
  queue::LeaseBatch batch;
  try {
    if (!sent) throw queue::ConnectionLost("lease", "the request was not sent");
    batch = client_.receive_lease();
  } catch (const queue::ConnectionLost&) {
    // Tasks leased by a lost reply are unknown here; their leases expire and they are leased again.
    batch = connection_.with_reconnect([&] {
      return client_.lease(options_.worker_id, count, options_.lease_ms, 3 * options_.settle.max_attempts,
                           free_slots());
    });
  }
  std::vector<Job> jobs;
  for (auto& leased : batch.tasks) jobs.push_back(leased_job(std::move(leased), batch.now_ms));
  keeper_.hold(refs_of(jobs), contexts_of(jobs));
  summary_.leased += static_cast<std::int64_t>(jobs.size());
  pool_.submit(std::move(jobs));
  batch.tasks.clear();
  return batch;
}

void WorkerLoop::settle(std::vector<Outcome> outcomes) {
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

void WorkerLoop::abandon_overdue() {
  const auto overdue = watchdog_.overdue();
  if (overdue.empty()) return;
  std::map<std::string, std::int64_t> limits;
  for (const auto& o : overdue) limits[o.id] = o.limit_ms;
  std::vector<Outcome> failures;
  for (auto& job : pool_.abandon([&](const Job& j) { return limits.count(attempt_key(j.lease)) > 0; })) {
    Outcome o;
    o.context = job.context;
    o.failure.reason =
        fmt::format("hung: it ran longer than its time limit of {:g} s (--task-timeout) and was abandoned",
                    static_cast<double>(limits[attempt_key(job.lease)]) / 1000.0);
    o.lease = std::move(job.lease);
    log::ContextGuard guard(o.context);
    log::get("worker")->error("{}; a new thread takes its place", o.failure.reason);
    failures.push_back(std::move(o));
    ++summary_.hung;
  }
  settle(std::move(failures));
}

bool WorkerLoop::too_many_hung() const {
  return pool_.stuck() > 2 * static_cast<std::size_t>(options_.concurrency) + 2;
}

void WorkerLoop::check_keeper() {
  if (keeper_.failed()) {
    if (const auto refusal = keeper_.refusal()) std::rethrow_exception(refusal);
    throw core::IoError("Redis at " + options_.redis.describe() + " is unreachable", keeper_.failure(),
                        "work in flight was not committed and will be leased again");
  }
}

bool WorkerLoop::past_shutdown_deadline() const {
  if (!core::cancel_requested()) return false;
  const std::int64_t now = steady_ms();
  std::int64_t seen = 0;
  stop_seen_ms_.compare_exchange_strong(seen, now);
  return now - stop_seen_ms_.load() >= options_.grace_ms;
}

void WorkerLoop::shut_down() {
  const auto logger = log::get("worker");
  summary_.interrupted = core::cancel_requested();
  hand_back(refs_of(pool_.cancel_queued()));
  logger->info("stopping: waiting up to {} ms for {} running tasks", options_.grace_ms, pool_.running());
  while (pool_.busy() > 0 && !past_shutdown_deadline() && !too_many_hung()) {
    settle(pool_.take(pool_.busy(), std::chrono::milliseconds(50)));
  }
  if (pool_.busy() == 0) return;
  logger->warn("grace period over: handing back {} running tasks", pool_.running());
  hand_back(keeper_.held());
  stopping_ = true;  // handlers checking stop_requested give up; their commits would be refused anyway
  const auto give_up = Clock::now() + stop_wait;
  while (pool_.busy() > 0 && Clock::now() < give_up) settle(pool_.take(pool_.busy(), std::chrono::milliseconds(50)));
  settle(pool_.take(0, std::chrono::milliseconds(0)));
  if (pool_.running() > 0) {
    logger->warn(
        "{} tasks still running {} s after their leases were handed back (a read that hangs, or a large "
        "attempt's staged files still being removed): leaving them behind",
        pool_.running(), std::chrono::duration_cast<std::chrono::seconds>(stop_wait).count());
    abandon_running();
  }
}

void WorkerLoop::hand_back(const std::vector<queue::LeaseRef>& refs) {
  if (refs.empty()) return;
  std::vector<std::string> ids;
  for (const auto& [id, token] : refs) ids.push_back(id);
  keeper_.drop(refs);
  settler_.handed_back(ids);
  summary_.handed_back += connection_.with_reconnect([&] { return client_.release(refs); });
}

queue::ConnectOptions WorkerLoop::settle_connect() const {
  queue::ConnectOptions o = connect_;
  o.client_name += "-settle";
  return o;
}

}  // namespace swath::worker
