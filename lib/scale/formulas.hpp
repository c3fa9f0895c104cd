// Pure scaling formulas: KEDA's ScaledJob strategies, the HPA algorithm KEDA's ScaledObject drives, and the
// deadline planner. No I/O, no clock: time is an argument, so each is tested against worked examples.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scale/policy.hpp"

namespace swath::scale {

// ---- KEDA ScaledJob (pkg/scaling/executor/scale_jobs.go, docs/reference/scaledjob-spec.md) ----

// maxScale = min(maxReplicaCount, ceil(queueLength / targetAverageValue)).
long long scaledjob_max_scale(long long queue_length, double target_average_value, long long max_replica_count);

// Jobs KEDA creates on one poll: getScalingDecision + GetEffectiveMaxScale of the chosen strategy, floored at 0.
// `running` counts unfinished jobs (pending ones included), `pending` those whose pod is not running yet.
long long scaledjob_new_jobs(Strategy strategy, long long queue_length, double target_average_value, long long running,
                             long long pending, long long min_replica_count, long long max_replica_count);

// ---- HPA (k8s pkg/controller/podautoscaler) as driven by a KEDA ScaledObject ----

// desired = ceil(current × metric / (current × target)) = ceil(metric / target), unless the usage ratio
// metric / (current × target) is within `tolerance` of 1, when current stays.
int hpa_raw_desired(int current, double metric, double target, double tolerance);

struct HpaState {
  struct Recommendation {
    double time;
    int replicas;
  };
  struct ScaleEvent {
    double time;
    int change;
  };  // + added, - removed
  std::vector<Recommendation> recommendations;
  std::vector<ScaleEvent> events;
  // When the metric last exceeded the activation threshold. Unknown (nothing before the first step) counts as
  // active at the first step: a controller that just started has not seen a cooldown's worth of inactivity.
  std::optional<double> last_active;
};

struct Decision {
  int replicas = 0;
  std::string reason;
};

// One HPA/KEDA evaluation at time `now`: activation from zero, cooldown to zero, tolerance, stabilisation
// windows (up: min over the window, down: max over the window) and Pods/Percent rate limits (selectPolicy Max).
// `busy`: pods that may be running leased tasks; the result never drops below min(current, busy, max). KEDA has no
// such floor (its scale-in sends SIGTERM and the worker hands leases back): busy = 0 models KEDA exactly.
Decision hpa_step(const Policy& policy, HpaState& state, double now, int current, double metric, int busy = 0);

// ---- deadline ----

struct DeadlineInput {
  double work = 0;             // tasks left: unfinished (waiting, delayed and in flight)
  int ready_pods = 0;          // pods already running (no start-up latency)
  double task_seconds = 1;     // p95 task time: a pod finishes floor(t / task_seconds) tasks in t seconds
  double startup_seconds = 0;  // a new pod starts working this long after it is asked for
  double seconds_left = 0;     // until the deadline
  int min_replicas = 0;
  int max_replicas = 1;
};

struct DeadlineDecision {
  int replicas = 0;
  bool past = false;     // the deadline has already passed
  bool feasible = true;  // `replicas` drain the work in time
  int needed = 0;        // pods needed to meet the deadline (may exceed max)
  std::string reason;
};

// Why a past deadline asks for `pods`: max replicas, or one pod per unfinished task when fewer (min replicas when
// more).
std::string past_deadline_reason(double seconds_ago, double work, int pods, int max_replicas);

// The fewest pods that drain `work` before the deadline, capped by max replicas.
DeadlineDecision deadline_replicas(const DeadlineInput& in);

// Seconds for `total` pods (`ready` of them already running) to drain `work` tasks of `task_seconds` each.
// Infinite when total is 0 and work remains.
double drain_seconds(double work, int ready, int total, double task_seconds, double startup_seconds);

}  // namespace swath::scale
