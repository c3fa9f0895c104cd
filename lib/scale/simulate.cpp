// The simulator: one-second steps, pods as (created, ready, busy-until), a controller called every polling
// interval. Replica strategies (hpa, deadline, the oracle) set a pod count; ScaledJob strategies create
// job pods that exit when the queue is empty, as `swath worker --exit-when-empty` does.
#include "scale/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "scale/formulas.hpp"

namespace swath::scale {

namespace {

constexpr double kStep = 1.0;

// Log-normal task times from a fixed seed; uniform bits → Box-Muller by hand so every platform agrees.
std::vector<double> task_times(long long count, const SimConfig& c) {
  std::mt19937_64 rng(c.seed);
  auto uniform = [&] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  const double sigma = std::log(std::max(c.task_p95, c.task_p50) / c.task_p50) / 1.6448536269514722;
  std::vector<double> out(static_cast<std::size_t>(count));
  for (auto& d : out) {
    const double z = std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform());
    d = c.task_p50 * std::exp(sigma * z);
  }
  return out;
}

struct Pod {
  double created = 0, ready = 0, free_at = 0;
  bool job = false, draining = false, gone = false;
  double ended = 0;
};

class World {
 public:
  World(const std::vector<Arrival>& trace, const SimConfig& config) : trace_(trace), config_(config) {
    total_ =
        std::accumulate(trace.begin(), trace.end(), 0LL, [](long long s, const Arrival& a) { return s + a.tasks; });
    durations_ = task_times(total_, config);
    const Policy& p = config.policy;
    horizon_ = trace.back().time + std::accumulate(durations_.begin(), durations_.end(), 0.0) + p.pod_startup_seconds +
               p.cooldown_seconds + p.scale_down.stabilization_window_seconds + 2 * p.polling_interval_seconds + 600;
    deadline_ = p.deadline_seconds;
  }

  double now() const { return t_; }
  long long backlog() const { return backlog_; }
  const Policy& policy() const { return config_.policy; }
  double task_p95() const { return config_.task_p95; }
  std::optional<double> deadline() const { return deadline_; }

  int alive_count() const {
    return static_cast<int>(
        std::count_if(pods_.begin(), pods_.end(), [](const Pod& p) { return !p.gone && !p.draining; }));
  }
  std::vector<Pod*> alive() {
    std::vector<Pod*> out;
    for (auto& p : pods_)
      if (!p.gone && !p.draining) out.push_back(&p);
    return out;
  }
  // Tasks running now: a pod still starting holds no task (its free_at is its ready time until it takes one).
  long long in_flight() const {
    return std::count_if(pods_.begin(), pods_.end(),
                         [&](const Pod& p) { return !p.gone && p.free_at > t_ && p.free_at > p.ready; });
  }
  int ready_count() {
    const auto a = alive();
    return static_cast<int>(std::count_if(a.begin(), a.end(), [&](const Pod* p) { return p->ready <= t_; }));
  }
  int pending_count() {
    const auto a = alive();
    return static_cast<int>(std::count_if(a.begin(), a.end(), [&](const Pod* p) { return p->ready > t_; }));
  }

  void add_pods(long long n, bool job) {
    for (long long i = 0; i < n; ++i) {
      Pod p;
      p.created = t_;
      p.ready = p.free_at = t_ + config_.policy.pod_startup_seconds;
      p.job = job;
      pods_.push_back(p);
    }
  }

  // Deployment-style: grow with new pods (or by keeping draining ones); shrink idle first, then starting, then busy.
  void set_replicas(int desired) {
    auto current = alive();
    int have = static_cast<int>(current.size());
    for (auto& p : pods_) {
      if (have >= desired) break;
      if (!p.gone && p.draining) {
        p.draining = false;
        ++have;
      }
    }
    if (have < desired) add_pods(desired - have, false);
    if (have <= desired) return;
    current = alive();
    auto rank = [&](const Pod* p) { return p->ready > t_ ? 1 : (p->free_at <= t_ ? 0 : 2); };
    std::stable_sort(current.begin(), current.end(), [&](const Pod* a, const Pod* b) { return rank(a) < rank(b); });
    for (int i = 0; i < have - desired; ++i) {
      Pod* p = current[static_cast<std::size_t>(i)];
      if (rank(p) == 2) {
        p->draining = true;
      } else {
        p->gone = true;
        p->ended = t_;
      }
    }
  }

  SimResult run(const std::string& name, const std::function<void(World&)>& controller) {
    SimResult r;
    r.strategy = name;
    r.tasks = total_;
    double next_poll = 0;
    std::size_t next_arrival = 0;
    for (t_ = 0; t_ <= horizon_; t_ += kStep) {
      while (next_arrival < trace_.size() && trace_[next_arrival].time <= t_) backlog_ += trace_[next_arrival++].tasks;
      if (t_ >= next_poll) {
        if (core::cancel_requested()) throw core::Interrupted("simulation interrupted");  // Ctrl-C on a long trace
        controller(*this);
        reap();
        r.samples.push_back({t_, backlog_, alive_count()});
        next_poll += config_.policy.polling_interval_seconds;
      }
      r.peak_replicas = std::max(r.peak_replicas, alive_count());
      work_one_step(r);
      reap();
      if (next_arrival == trace_.size() && backlog_ == 0 && in_flight() == 0 && idle_settled()) {
        r.finished = true;
        break;
      }
      skip_quiet_time(next_poll, next_arrival);
    }
    r.pod_seconds = finished_pod_seconds_;
    for (const auto& p : pods_) r.pod_seconds += t_ - p.created;
    r.samples.push_back({t_, backlog_, alive_count()});
    r.cost = r.pod_seconds / 3600.0 * config_.policy.cost_per_pod_hour;
    return r;
  }

 private:
  void work_one_step(SimResult& r) {
    const double end = t_ + kStep;
    for (auto& p : pods_) {
      if (p.gone) continue;
      while (backlog_ > 0 && !p.draining && std::max(p.free_at, p.ready) < end) {
        const double start = std::max({p.free_at, p.ready, t_});
        const double duration = durations_[static_cast<std::size_t>(next_task_++)];
        p.free_at = start + duration;
        r.busy_seconds += duration;
        --backlog_;
        r.completion_seconds = std::max(r.completion_seconds, p.free_at);
        if (deadline_ && p.free_at > *deadline_) ++r.deadline_misses;
      }
    }
    for (auto& p : pods_) {
      if (p.gone) continue;
      if (p.draining && p.free_at <= end) {
        p.gone = true;
        p.ended = std::max(p.free_at, t_);
      } else if (p.job && p.ready <= end && p.free_at <= end && backlog_ == 0) {
        p.gone = true;  // --exit-when-empty
        p.ended = std::max(p.free_at, p.ready);
      }
    }
  }

  // Gone pods leave the working set; their pod-seconds are kept.
  void reap() {
    for (const auto& p : pods_) {
      if (p.gone) finished_pod_seconds_ += p.ended - p.created;
    }
    std::erase_if(pods_, [](const Pod& p) { return p.gone; });
  }

  // Nothing can happen until the next poll or arrival when no pod exists, or when the queue is empty and
  // every pod is idle: jump there (pods keep costing pod-seconds through `created`).
  void skip_quiet_time(double next_poll, std::size_t next_arrival) {
    const bool no_pods = pods_.empty();
    const bool all_idle = backlog_ == 0 && std::all_of(pods_.begin(), pods_.end(), [&](const Pod& p) {
                            return !p.draining && !p.job && p.free_at <= t_ + kStep && p.ready <= t_ + kStep;
                          });
    if (!no_pods && !all_idle) return;
    double target = next_poll;
    if (next_arrival < trace_.size()) target = std::min(target, trace_[next_arrival].time);
    target = std::ceil(target);
    if (target > t_ + kStep) t_ = target - kStep;  // the loop adds the step
  }

  // Done when no pod above min_replicas is left (job pods all exited).
  bool idle_settled() {
    const auto a = alive();
    const long long jobs = std::count_if(a.begin(), a.end(), [](const Pod* p) { return p->job; });
    return jobs == 0 && static_cast<int>(a.size()) <= config_.policy.min_replicas;
  }

  const std::vector<Arrival>& trace_;
  const SimConfig& config_;
  long long total_ = 0;
  std::vector<double> durations_;
  double horizon_ = 0;
  std::optional<double> deadline_;
  std::vector<Pod> pods_;
  double finished_pod_seconds_ = 0;
  long long backlog_ = 0;
  long long next_task_ = 0;
  double t_ = 0;
};

// Every controller reads what KEDA reads: unfinished tasks, waiting and running (the simulator has no retries).
long long unfinished(const World& w) { return w.backlog() + w.in_flight(); }

void hpa_controller(World& w, HpaState& state) {
  const auto d =
      hpa_step(w.policy(), state, w.now(), static_cast<int>(w.alive().size()), static_cast<double>(unfinished(w)));
  w.set_replicas(d.replicas);
}

void deadline_controller(World& w) {
  const Policy& p = w.policy();
  const double left = w.deadline() ? *w.deadline() - w.now() : 0;
  DeadlineInput in{static_cast<double>(unfinished(w)),
                   w.ready_count(),
                   w.task_p95(),
                   p.pod_startup_seconds,
                   left,
                   p.min_replicas,
                   p.max_replicas};
  w.set_replicas(deadline_replicas(in).replicas);
}

void scaledjob_controller(World& w, Strategy s) {
  const Policy& p = w.policy();
  const auto running = static_cast<long long>(w.alive().size());
  w.add_pods(scaledjob_new_jobs(s, unfinished(w), p.target_tasks_per_pod, running, w.pending_count(), p.min_replicas,
                                p.max_replicas),
             true);
}

}  // namespace

SimResult simulate(const std::vector<Arrival>& trace, Strategy strategy, const SimConfig& config) {
  World world(trace, config);
  HpaState state;
  const std::string name(strategy_name(strategy));
  switch (strategy) {
    case Strategy::hpa:
      return world.run(name, [&](World& w) { hpa_controller(w, state); });
    case Strategy::deadline:
      return world.run(name, deadline_controller);
    default:
      return world.run(name, [&](World& w) { scaledjob_controller(w, strategy); });
  }
}

SimResult simulate_oracle(const std::vector<Arrival>& trace, int replicas, double start_seconds,
                          const SimConfig& config) {
  World world(trace, config);
  return world.run("hindsight-optimum", [&](World& w) {
    const bool work = unfinished(w) > 0;
    w.set_replicas(w.now() >= start_seconds && work ? replicas : 0);
  });
}

std::optional<Optimum> hindsight_optimum(const std::vector<Arrival>& trace, const SimConfig& config) {
  const Policy& p = config.policy;
  if (!p.deadline_seconds) return std::nullopt;
  std::optional<Optimum> best;
  for (int n = 1; n <= p.max_replicas; ++n) {
    // Every schedule pays the task-seconds, and each of the n pods it starts costs its start-up before its
    // first task: once that floor reaches the best found, no larger n can do better (the search was
    // max_replicas × start times simulations, minutes for a few hundred replicas).
    if (best && best->result.busy_seconds + n * p.pod_startup_seconds >= best->result.pod_seconds) break;
    for (double s = 0; s <= *p.deadline_seconds; s += p.polling_interval_seconds) {
      SimResult r = simulate_oracle(trace, n, s, config);
      if (!r.finished || r.deadline_misses > 0) break;  // starting later only makes it later
      if (!best || r.pod_seconds < best->result.pod_seconds) best = Optimum{std::move(r), n, s};
    }
  }
  return best;
}

}  // namespace swath::scale
