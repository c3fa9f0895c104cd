// The scaling policy (configs/scaling.yaml): replica bounds, KEDA-style targets, rate limits, deadline, costs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/option_table.hpp"

namespace swath::scale {

enum class Strategy { hpa, scaledjob_default, scaledjob_accurate, scaledjob_eager, deadline };

const std::vector<std::string>& strategy_names();
// The scaledjob-* strategies create Jobs (one pod each); hpa and deadline set a Deployment's replica count.
constexpr bool creates_jobs(Strategy s) { return s != Strategy::hpa && s != Strategy::deadline; }
std::string_view strategy_name(Strategy strategy);
// Throws UsageError naming `where` and suggesting the closest known name.
Strategy parse_strategy(std::string_view name, const std::string& where);

// One direction of the HPA `behavior` block: a stabilisation window and two rate-limit policies
// (Pods and Percent per period, combined with selectPolicy Max as the HPA default does).
struct RateRules {
  double stabilization_window_seconds = 0;
  int max_pods_per_period = 4;
  double max_percent_per_period = 100;
  double period_seconds = 15;
};

struct Policy {
  Strategy strategy = Strategy::deadline;
  int min_replicas = 0;
  int max_replicas = 20;
  double target_tasks_per_pod = 10;  // KEDA target: unfinished tasks per replica (ScaledObject) or per job (ScaledJob)
  double activation_threshold = 0;   // unfinished tasks must exceed this to wake from zero
  double polling_interval_seconds = 30;
  double cooldown_seconds = 300;      // scale to zero only after this long without work
  RateRules scale_up{0, 4, 100, 15};  // HPA defaults
  RateRules scale_down{300, 100, 100, 15};
  double tolerance = 0.1;                           // HPA: ignore changes within ±10% of the target
  std::optional<double> deadline_seconds = 3600.0;  // relative to the plan's "now" (simulation: trace start)
  std::optional<double> deadline_at_epoch;          // absolute UTC, from `deadline_at: 2026-11-25T19:00:00Z`
  double pod_startup_seconds = 45;
  double cost_per_pod_hour = 0.10;
  double task_seconds_p50 = 2;  // used when the queue has not measured task times yet
  double task_seconds_p95 = 4;
  int hysteresis_replicas = 1;       // --watch: act only when the plan moves by more than this
  double worker_grace_seconds = 30;  // the worker's own shutdown grace; pods get more than this
};

// Every policy key (top-level and nested, e.g. scale_up.period_seconds), with Policy's defaults.
const config::OptionTable<Policy>& policy_table();

// Reads and validates a policy file; every error names the file, line, key and value (UsageError, exit 2).
Policy load_policy(const std::string& path);
Policy parse_policy(std::string_view yaml_text, const std::string& name);

// "2026-11-25T19:00:00Z" → seconds since the epoch; nothing when malformed.
std::optional<double> parse_utc_timestamp(std::string_view text);

}  // namespace swath::scale
