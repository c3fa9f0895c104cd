// The scaling formulas. Each cites where its rule comes from, so a reader can check it against the source.
#include "scale/formulas.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace swath::scale {

// ---- KEDA ScaledJob ----

long long scaledjob_max_scale(long long queue_length, double target_average_value, long long max_replica_count) {
  // KEDA docs, scaledjob-spec "scalingStrategy": maxScale = min(MaxReplicaCount, divideWithCeil(queueLength,
  // targetAverageValue))
  const auto scale = static_cast<long long>(std::ceil(static_cast<double>(queue_length) / target_average_value));
  return std::min(max_replica_count, scale);
}

long long scaledjob_new_jobs(Strategy strategy, long long queue_length, double target_average_value, long long running,
                             long long pending, long long min_replica_count, long long max_replica_count) {
  const long long max_scale = scaledjob_max_scale(queue_length, target_average_value, max_replica_count);
  long long effective = 0;
  // scale_jobs.go getScalingDecision: below minReplicaCount, top up to it; otherwise the strategy sees
  // runningJobCount - minReplicaCount.
  if (running < min_replica_count) {
    effective = min_replica_count - running;
  } else {
    const long long r = running - min_replica_count;
    switch (strategy) {
      case Strategy::scaledjob_accurate:
        // accurateScalingStrategy: if maxScale+running > maxReplicaCount → maxReplicaCount-running, else
        // maxScale-pending
        effective = (max_scale + r > max_replica_count) ? max_replica_count - r : max_scale - pending;
        break;
      case Strategy::scaledjob_eager:
        // eagerScalingStrategy: min(maxReplicaCount - running - pending, maxScale)
        effective = std::min(max_replica_count - r - pending, max_scale);
        break;
      default:
        // defaultScalingStrategy: maxScale - runningJobCount
        effective = max_scale - r;
        break;
    }
  }
  // RequestJobScale: "if effectiveMaxScale < 0 { effectiveMaxScale = 0 }"
  return std::max<long long>(0, effective);
}

// ---- HPA ----

int hpa_raw_desired(int current, double metric, double target, double tolerance) {
  // k8s replica_calculator.go GetExternalPerPodMetricReplicas (AverageValue target, what KEDA's ScaledObject sets):
  // usageRatio = metric / (target × current); within tolerance → keep current; else ceil(metric / target).
  // As a double, capped before the cast: a huge backlog over a tiny target overflowed int (-2147483648 pods).
  const int by_metric =
      static_cast<int>(std::min(std::ceil(metric / target), static_cast<double>(std::numeric_limits<int>::max())));
  if (current <= 0) return by_metric;
  const double usage_ratio = metric / (target * current);
  if (std::fabs(1.0 - usage_ratio) <= tolerance) return current;
  return by_metric;
}

namespace {

int change_in_period(const std::vector<HpaState::ScaleEvent>& events, double now, double period, bool up) {
  int sum = 0;
  for (const auto& e : events) {
    if (e.time > now - period && (up ? e.change > 0 : e.change < 0)) sum += std::abs(e.change);
  }
  return sum;
}

// horizontal.go calculateScaleUpLimitWithScalingRules, selectPolicy Max: the policy allowing the most change.
int scale_up_limit(const RateRules& rules, const HpaState& state, double now, int current) {
  const int start = current - change_in_period(state.events, now, rules.period_seconds, true);
  const int by_pods = start + rules.max_pods_per_period;
  const int by_percent = static_cast<int>(std::ceil(start * (1 + rules.max_percent_per_period / 100)));
  return std::max(by_pods, by_percent);
}

// horizontal.go calculateScaleDownLimitWithBehaviors, selectPolicy Max: the lowest proposal wins.
int scale_down_limit(const RateRules& rules, const HpaState& state, double now, int current) {
  const int start = current + change_in_period(state.events, now, rules.period_seconds, false);
  const int by_pods = start - rules.max_pods_per_period;
  const int by_percent = static_cast<int>(start * (1 - rules.max_percent_per_period / 100));
  return std::min(by_pods, by_percent);
}

// horizontal.go stabilizeRecommendationWithBehaviors.
int stabilize(const Policy& policy, HpaState& state, double now, int current, int recommendation) {
  // recordInitialRecommendation: with no history the window starts with the current count, just before now (k8s
  // stamps it a moment earlier: it counts for the windows, not for a scale-up window of 0), so a first evaluation
  // does not scale in at once.
  if (state.recommendations.empty()) state.recommendations.push_back({now - 1e-6, current});
  state.recommendations.push_back({now, recommendation});
  const double longest =
      std::max(policy.scale_up.stabilization_window_seconds, policy.scale_down.stabilization_window_seconds);
  std::erase_if(state.recommendations, [&](const auto& r) { return r.time < now - longest; });
  int up = recommendation, down = recommendation;
  for (const auto& r : state.recommendations) {
    if (r.time >= now - policy.scale_up.stabilization_window_seconds) up = std::min(up, r.replicas);
    if (r.time >= now - policy.scale_down.stabilization_window_seconds) down = std::max(down, r.replicas);
  }
  int result = current;
  if (result < up) result = up;
  if (result > down) result = down;
  return result;
}

void record(HpaState& state, double now, int from, int to, double longest_period) {
  if (to != from) state.events.push_back({now, to - from});
  std::erase_if(state.events, [&](const auto& e) { return e.time <= now - longest_period; });
}

}  // namespace

Decision hpa_step(const Policy& policy, HpaState& state, double now, int current, double metric, int busy) {
  const bool active = metric > policy.activation_threshold;
  if (active || !state.last_active) state.last_active = now;
  const int keep = std::min({current, busy, policy.max_replicas});
  const double longest_period = std::max(policy.scale_up.period_seconds, policy.scale_down.period_seconds);
  const int hpa_min = std::max(1, policy.min_replicas);  // the HPA itself never goes below 1; KEDA handles 0
  Decision d;
  if (current == 0) {
    // KEDA scale_handler: an inactive ScaledObject at 0 stays there; an active one is scaled to max(min, 1)
    // and the HPA takes over from the next evaluation.
    d.replicas = active ? hpa_min : policy.min_replicas;
    d.reason =
        active ? fmt::format("activation: unfinished {} > activation threshold {}", metric, policy.activation_threshold)
               : fmt::format("idle: unfinished {} <= activation threshold {}", metric, policy.activation_threshold);
    record(state, now, current, d.replicas, longest_period);
    return d;
  }
  const double inactive_seconds = now - *state.last_active;
  if (!active && policy.min_replicas == 0 && keep == 0 && inactive_seconds >= policy.cooldown_seconds) {
    // KEDA scales an inactive ScaledObject to zero once cooldownPeriod has passed since it was last active.
    d.replicas = 0;
    d.reason = fmt::format("cooldown: inactive for {:.0f}s (cooldown {}s), scaling to zero", inactive_seconds,
                           policy.cooldown_seconds);
    state.recommendations.clear();
    record(state, now, current, 0, longest_period);
    return d;
  }
  const int formula = hpa_raw_desired(current, metric, policy.target_tasks_per_pod, policy.tolerance);
  const int raw = std::clamp(formula, hpa_min, policy.max_replicas);
  const std::string bound = formula > raw   ? fmt::format(", at most max_replicas {}", raw)
                            : formula < raw ? fmt::format(", at least {}", raw)
                                            : std::string();
  int desired = stabilize(policy, state, now, current, raw);
  std::string limit_note;
  if (desired > current) {
    const int limit = scale_up_limit(policy.scale_up, state, now, current);
    if (desired > limit) limit_note = fmt::format(", limited to {} by the scale-up rate", limit);
    desired = std::min(desired, limit);
  } else if (desired < current) {
    const int limit = scale_down_limit(policy.scale_down, state, now, current);
    if (desired < limit) limit_note = fmt::format(", limited to {} by the scale-down rate", limit);
    desired = std::max(desired, limit);
  }
  d.replicas = std::clamp(desired, hpa_min, policy.max_replicas);
  const double exact = std::ceil(metric / policy.target_tasks_per_pod);  // as a double: the formula's own value
  d.reason = fmt::format(
      "hpa: ceil({} × {} / ({} × {})) = {:.0f}{}{}{}{}", current, metric, current, policy.target_tasks_per_pod, exact,
      formula == current && exact != static_cast<double>(current)
          ? fmt::format(", within the {} tolerance: {}", policy.tolerance, formula)
          : std::string(),
      bound, desired != raw && limit_note.empty() ? fmt::format(", stabilised to {}", desired) : limit_note,
      d.replicas != desired ? fmt::format(", then {} (min and max replicas)", d.replicas) : std::string());
  if (d.replicas < keep) {
    d.replicas = keep;
    d.reason += fmt::format(", kept at {}: pods running leased tasks are not scaled in", keep);
  }
  record(state, now, current, d.replicas, longest_period);
  return d;
}

// ---- deadline ----

namespace {
double capacity(int ready, int total, double t, double task, double startup) {
  const double ready_tasks = std::floor(t / task);
  const double new_tasks = t > startup ? std::floor((t - startup) / task) : 0.0;
  return ready * ready_tasks + std::max(0, total - ready) * new_tasks;
}
}  // namespace

double drain_seconds(double work, int ready, int total, double task_seconds, double startup_seconds) {
  if (work <= 0) return 0;
  if (total <= 0) return std::numeric_limits<double>::infinity();
  ready = std::min(ready, total);
  // Capacity only grows when a task finishes: at k·task (ready pods) or startup + k·task (new pods).
  // The answer is the smallest such instant with enough capacity; search each family over k exactly.
  auto first = [&](double offset) {
    long long lo = 0, hi = static_cast<long long>(std::ceil(work)) + 1;
    while (capacity(ready, total, offset + static_cast<double>(hi) * task_seconds, task_seconds, startup_seconds) <
           work)
      hi *= 2;
    while (lo < hi) {
      const long long mid = (lo + hi) / 2;
      if (capacity(ready, total, offset + static_cast<double>(mid) * task_seconds, task_seconds, startup_seconds) >=
          work) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return offset + static_cast<double>(lo) * task_seconds;
  };
  return std::min(first(0), first(startup_seconds));
}

std::string past_deadline_reason(double seconds_ago, double work, int pods, int max_replicas) {
  if (pods >= max_replicas)
    return fmt::format("the deadline passed {:.0f}s ago: recommending max replicas ({})", seconds_ago, max_replicas);
  if (pods > std::ceil(work)) {
    return fmt::format("the deadline passed {:.0f}s ago: min replicas ({}), more than the {} unfinished tasks",
                       seconds_ago, pods, work);
  }
  return fmt::format("the deadline passed {:.0f}s ago: one pod per unfinished task ({})", seconds_ago, pods);
}

DeadlineDecision deadline_replicas(const DeadlineInput& in) {
  DeadlineDecision d;
  if (in.work <= 0) {
    d.replicas = in.min_replicas;
    d.reason = "no work left: min replicas";
    return d;
  }
  // A pod runs one task at a time: more pods than tasks finish no sooner.
  const int most_useful =
      std::max(in.min_replicas, static_cast<int>(std::min<double>(std::ceil(in.work), in.max_replicas)));
  if (in.seconds_left <= 0) {
    d.replicas = most_useful;
    d.past = true;
    d.feasible = false;
    d.needed = most_useful;
    d.reason = past_deadline_reason(-in.seconds_left, in.work, most_useful, in.max_replicas);
    return d;
  }
  // A ready pod finishes floor(left / task) tasks before the deadline; a new one floor((left - startup) / task).
  const double per_ready = std::floor(in.seconds_left / in.task_seconds);
  const double per_new =
      in.seconds_left > in.startup_seconds ? std::floor((in.seconds_left - in.startup_seconds) / in.task_seconds) : 0;
  const double ready_capacity = in.ready_pods * per_ready;
  long long needed = 0;
  if (per_ready > 0 && ready_capacity >= in.work) {
    needed = static_cast<long long>(std::ceil(in.work / per_ready));
  } else if (per_new > 0) {
    needed = in.ready_pods + static_cast<long long>(std::ceil((in.work - ready_capacity) / per_new));
  } else {
    needed = std::numeric_limits<int>::max();
  }
  d.needed = static_cast<int>(std::min<long long>(needed, std::numeric_limits<int>::max()));
  if (needed > in.max_replicas) {
    d.replicas = most_useful;
    d.feasible = false;
    if (per_new > 0) {
      d.reason = fmt::format("deadline cannot be met: {} tasks need {} pods in {:.0f}s, max is {}", in.work, needed,
                             in.seconds_left, in.max_replicas);
    } else if (ready_capacity > 0) {  // no pod count is enough: only the running ones can work before the deadline
      d.reason = fmt::format(
          "deadline cannot be met: {} running pods finish {} of {} tasks in {:.0f}s, and a new pod needs {}s to start",
          in.ready_pods, ready_capacity, in.work, in.seconds_left, in.startup_seconds);
    } else {
      d.reason = fmt::format("deadline cannot be met: {:.0f}s left is less than one task ({}s) plus start-up ({}s)",
                             in.seconds_left, in.task_seconds, in.startup_seconds);
    }
    return d;
  }
  d.replicas = std::max(static_cast<int>(needed), in.min_replicas);
  d.reason = fmt::format("deadline: {} pods drain {} tasks ({}s p95 each, {}s start-up) within {:.0f}s", needed,
                         in.work, in.task_seconds, in.startup_seconds, in.seconds_left);
  return d;
}

}  // namespace swath::scale
