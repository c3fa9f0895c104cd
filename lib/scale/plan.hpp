// A scaling plan: queue snapshot + policy + strategy → desired replicas, the reason, predicted drain time and cost.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "scale/formulas.hpp"
#include "scale/policy.hpp"
#include "scale/snapshot.hpp"

namespace swath::scale {

struct PlanInput {
  QueueSnapshot snapshot;
  Policy policy;
  int current_replicas = 0;
  long long pending_jobs = 0;     // ScaledJob strategies: jobs whose pod is not running yet
  double now_epoch = 0;           // for `deadline_at`; ignored when the policy gives deadline_seconds
  HpaState* hpa_state = nullptr;  // the controller keeps HPA history across iterations; null: fresh
};

struct Plan {
  Strategy strategy = Strategy::deadline;
  int current_replicas = 0;
  int desired_replicas = 0;
  long long new_jobs = 0;  // ScaledJob strategies: jobs to create now
  std::string action;      // scale-up, scale-down, hold, create-jobs
  std::string reason;
  double work = 0;                     // unfinished tasks: waiting, delayed and in flight
  double task_seconds = 0;             // p95 used for predictions
  std::string task_seconds_source;     // "queue" (measured) or "policy"
  double predicted_drain_seconds = 0;  // infinite when nothing will drain it
  double predicted_pod_seconds = 0;
  double predicted_cost = 0;
  std::optional<double> seconds_left;  // until the deadline, when the policy has one
  // Queued jobs' deadlines (`enqueue --deadline`: tasks not started by then expire) still ahead, soonest first,
  // each with the tasks to start by then (of every job due by then: run soonest first, as --priority high does).
  struct JobsDue {
    double seconds_left = 0;
    double tasks = 0;
    double ahead = 0;  // running tasks whose pods take none of these until they end
  };
  std::vector<JobsDue> jobs_due;
  // The one that decides: the deadline strategy's largest need, or the first missed. Absent without jobs_due.
  std::optional<double> job_seconds_left;
  double job_tasks = 0;
  bool job_deadline_met = true;
  bool deadline_past = false;
  bool deadline_met = true;
  // The fewest pods the deadlines ahead need (the policy's, queued jobs'), whatever the strategy; 0 without one. A
  // controller holding a change within its hysteresis never holds a scale-up below it: fewer pods miss a deadline.
  int deadline_replicas = 0;
  std::vector<std::string> warnings;
};

Plan make_plan(const PlanInput& input);

// `--json`: schema swath.scale.plan/1, inputs, the plan and provenance (no wall-clock time).
core::Json to_json(const Plan& plan, const PlanInput& input);
std::string to_text(const Plan& plan);

// Seconds until the policy's deadline at `now`, when it has one.
std::optional<double> seconds_until_deadline(const Policy& policy, double now_epoch);

}  // namespace swath::scale
