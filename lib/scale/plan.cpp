// Builds a plan from one snapshot: pick the task time, run the strategy's formula, predict drain time and cost.
#include "scale/plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "provenance/provenance.hpp"

namespace swath::scale {

std::optional<double> seconds_until_deadline(const Policy& policy, double now_epoch) {
  if (policy.deadline_seconds) return *policy.deadline_seconds;
  if (policy.deadline_at_epoch) return *policy.deadline_at_epoch - now_epoch;
  return std::nullopt;
}

namespace {

// The queued jobs' deadlines: read live, from Redis's own count of seconds (no clock skew); from a stats file, from
// its epoch deadline when given (so --now applies, and the file's age), else the file's seconds. A deadline already
// past plans nothing: its tasks not started have expired.
// Pods running leased tasks: they take no task due by a deadline until those end (planned as if just started).
double running_pods(const PlanInput& in) {
  return static_cast<double>(std::min<long long>(in.snapshot.in_flight, in.current_replicas));
}

void choose_job_deadlines(const PlanInput& in, Plan& plan) {
  const auto& snapshot = in.snapshot;
  std::optional<double> passed;
  for (const auto& due : snapshot.job_deadlines) {
    const bool from_epoch = due.epoch && !(snapshot.live && due.seconds);
    const std::optional<double> left = from_epoch ? std::optional<double>(*due.epoch - in.now_epoch) : due.seconds;
    if (!left) continue;
    if (*left <= 0) {
      if (!passed) passed = -*left;
      continue;
    }
    // Stats without the count (none given): every unfinished task, the cautious reading. Tasks running now hold
    // their pods (at most one each, and only the pods there are) until they end: counted ahead, unless the count
    // has them already.
    const bool counted = due.tasks > 0 && !due.includes_started;
    plan.jobs_due.push_back({*left, static_cast<double>(due.tasks > 0 ? due.tasks : snapshot.unfinished),
                             counted ? running_pods(in) : 0.0});
  }
  if (passed) {
    plan.warnings.push_back(
        fmt::format("a queued job's deadline passed {:.0f}s ago: its tasks not started by then "
                    "expire (dead-lettered), and are not planned for",
                    *passed));
  }
  if (plan.jobs_due.empty()) return;
  plan.job_seconds_left = plan.jobs_due.front().seconds_left;
  plan.job_tasks = plan.jobs_due.front().tasks;
}

void choose_task_time(const PlanInput& in, Plan& plan) {
  // Measured times of 0 (tasks under the stats' resolution) are measured all the same: planned as 1 ms, not as the
  // policy's seconds (20 pods for what one drains).
  constexpr double kShortest = 0.001;
  if (in.snapshot.task_count > 0 && in.snapshot.task_p95 >= 0) {
    plan.task_seconds = std::max(in.snapshot.task_p95, kShortest);
    plan.task_seconds_source = "queue";
    if (in.snapshot.task_p95 < kShortest) {
      plan.warnings.push_back(fmt::format("the queue's tasks take under a millisecond (p95 {}s): planning with {}s",
                                          in.snapshot.task_p95, kShortest));
    }
  } else {
    plan.task_seconds = in.policy.task_seconds_p95;
    plan.task_seconds_source = "policy";
    plan.warnings.push_back(fmt::format("the queue has no measured task times yet: using the policy's p95 of {}s",
                                        in.policy.task_seconds_p95));
  }
}

// Pods that may be running leased tasks: each leased task holds at most one pod, and only running pods hold any.
// The floor of a replica plan; max replicas (a cost cap) still wins over it.
int busy_pods(const PlanInput& in) {
  return static_cast<int>(std::min<long long>({in.current_replicas, in.snapshot.in_flight, in.policy.max_replicas}));
}

// A controller (it keeps state) scales to zero only after cooldown_seconds of its own observation without work, as
// KEDA does; until then one pod stays. Its first iteration counts as activity: it has seen no idle time yet.
void keep_until_cooldown(const PlanInput& in, Plan& plan) {
  if (in.hpa_state == nullptr) return;
  auto& last_active = in.hpa_state->last_active;
  if (plan.work > in.policy.activation_threshold || !last_active) last_active = in.now_epoch;
  const double idle = in.now_epoch - *last_active;
  if (plan.desired_replicas > 0 || in.current_replicas == 0 || idle >= in.policy.cooldown_seconds) return;
  plan.desired_replicas = 1;
  plan.reason +=
      fmt::format("; kept at 1 until {}s without work (cooldown; {:.0f}s so far)", in.policy.cooldown_seconds, idle);
}

// The fewest pods for the policy's deadline: all the unfinished work finished by then.
DeadlineDecision policy_deadline_need(const PlanInput& in, const Plan& plan) {
  const Policy& p = in.policy;
  return deadline_replicas({plan.work, in.current_replicas, plan.task_seconds, p.pod_startup_seconds,
                            *plan.seconds_left, p.min_replicas, p.max_replicas});
}

// The fewest pods for a queued job's deadline: the tasks of every job due by then started by then, so finished a
// task time later, soonest first.
DeadlineDecision job_deadline_need(const PlanInput& in, const Plan& plan, const Plan::JobsDue& due) {
  const Policy& p = in.policy;
  return deadline_replicas({due.tasks + due.ahead, in.current_replicas, plan.task_seconds, p.pod_startup_seconds,
                            due.seconds_left + plan.task_seconds, p.min_replicas, p.max_replicas});
}

// The fewest pods for the policy's deadline and for each queued jobs' deadline: the largest.
void plan_for_deadlines(const PlanInput& in, Plan& plan) {
  if (plan.seconds_left) {
    const auto decision = policy_deadline_need(in, plan);
    plan.desired_replicas = decision.replicas;
    plan.reason = decision.reason;
  }
  std::optional<DeadlineDecision> most;
  for (const auto& due : plan.jobs_due) {
    const auto job = job_deadline_need(in, plan, due);
    if (most && job.replicas <= most->replicas) continue;
    most = job;
    plan.job_seconds_left = due.seconds_left;
    plan.job_tasks = due.tasks;
  }
  if (!most || (plan.seconds_left && most->replicas <= plan.desired_replicas)) return;
  plan.desired_replicas = most->replicas;
  plan.reason = "a queued job's deadline: " + most->reason;
}

void run_strategy(const PlanInput& in, Plan& plan) {
  const Policy& p = in.policy;
  // Every strategy reads the unfinished count (waiting + delayed + running), as the emitted KEDA objects do.
  const auto unfinished = in.snapshot.unfinished;
  switch (p.strategy) {
    case Strategy::hpa: {
      HpaState fresh;
      HpaState& state = in.hpa_state ? *in.hpa_state : fresh;
      const Decision d =
          hpa_step(p, state, in.now_epoch, in.current_replicas, static_cast<double>(unfinished), busy_pods(in));
      plan.desired_replicas = d.replicas;
      plan.reason = d.reason;
      break;
    }
    case Strategy::scaledjob_default:
    case Strategy::scaledjob_accurate:
    case Strategy::scaledjob_eager: {
      if (static_cast<double>(unfinished) <= p.activation_threshold) {
        // KEDA's RequestJobScale creates jobs only while the scaler is active (activationListLength).
        plan.desired_replicas = in.current_replicas;
        plan.reason = fmt::format("{}: inactive: unfinished {} <= activation threshold {} → no new job",
                                  strategy_name(p.strategy), unfinished, p.activation_threshold);
        break;
      }
      plan.new_jobs = scaledjob_new_jobs(p.strategy, unfinished, p.target_tasks_per_pod, in.current_replicas,
                                         in.pending_jobs, p.min_replicas, p.max_replicas);
      plan.desired_replicas = static_cast<int>(in.current_replicas + plan.new_jobs);
      plan.reason = fmt::format("{}: maxScale = min({}, ceil({} / {})) = {}, running {}, pending {} → {} new job(s)",
                                strategy_name(p.strategy), p.max_replicas, unfinished, p.target_tasks_per_pod,
                                scaledjob_max_scale(unfinished, p.target_tasks_per_pod, p.max_replicas),
                                in.current_replicas, in.pending_jobs, plan.new_jobs);
      break;
    }
    case Strategy::deadline: {
      if (!plan.seconds_left && !plan.job_seconds_left) {
        plan.desired_replicas = p.max_replicas;
        plan.reason =
            "deadline strategy with no deadline to plan for (none in the policy, no queued job's ahead): recommending max replicas";
        plan.warnings.push_back("set deadline_seconds or deadline_at in the policy");
        break;
      }
      plan_for_deadlines(in, plan);
      if (const int keep = busy_pods(in); plan.desired_replicas < keep) {
        // Fewer pods would meet the deadline, but scaling in now would interrupt leased tasks: wait for them.
        plan.desired_replicas = keep;
        plan.reason += fmt::format("; kept at {}: pods running leased tasks are not scaled in", keep);
      }
      keep_until_cooldown(in, plan);
      break;
    }
  }
}

// The planned pods that run now, so start no pod: a ScaledJob's pending jobs are counted among the current ones (as
// KEDA counts them) but their pods still start up.
int started_pods(const PlanInput& in, const Plan& plan) {
  const long long pending = creates_jobs(in.policy.strategy) ? in.pending_jobs : 0;
  return static_cast<int>(std::clamp<long long>(in.current_replicas - pending, 0, plan.desired_replicas));
}

// Whether every queued job has its tasks started by its deadline, soonest due first on the planned pods; the first
// that would not is the plan's job_deadline.
void predict_job_deadline(const PlanInput& in, Plan& plan) {
  if (!plan.job_seconds_left) return;
  const int ready = started_pods(in, plan);
  for (const auto& due : plan.jobs_due) {
    const double last_start = drain_seconds(due.tasks + due.ahead, ready, plan.desired_replicas, plan.task_seconds,
                                            in.policy.pod_startup_seconds) -
                              plan.task_seconds;
    if (last_start <= due.seconds_left) continue;
    plan.job_deadline_met = false;
    plan.job_seconds_left = due.seconds_left;
    plan.job_tasks = due.tasks;
    plan.warnings.push_back(
        fmt::format("queued jobs' {} task(s) due to start within {:.0f}s: {} "
                    "replicas start the last {}",
                    due.tasks, due.seconds_left, plan.desired_replicas,
                    std::isfinite(last_start) ? fmt::format("after {:.0f}s", last_start) : std::string("never")));
    break;
  }
  const double not_started =
      static_cast<double>(in.snapshot.unfinished - in.snapshot.in_flight - in.snapshot.finishing);
  if (in.policy.strategy == Strategy::deadline && not_started > plan.job_tasks) {
    plan.warnings.push_back(fmt::format(
        "the plan for a queued job's deadline assumes its {} task(s) run before the {} other task(s) waiting "
        "(as a job enqueued with --priority high does)",
        plan.job_tasks, not_started - plan.job_tasks));
  }
}

void predict(const PlanInput& in, Plan& plan) {
  predict_job_deadline(in, plan);
  const int ready = started_pods(in, plan);
  plan.predicted_drain_seconds =
      drain_seconds(plan.work, ready, plan.desired_replicas, plan.task_seconds, in.policy.pod_startup_seconds);
  plan.predicted_pod_seconds = std::isfinite(plan.predicted_drain_seconds)
                                   ? plan.desired_replicas * plan.predicted_drain_seconds
                                   : std::numeric_limits<double>::infinity();
  plan.predicted_cost = plan.predicted_pod_seconds / 3600.0 * in.policy.cost_per_pod_hour;
  if (!plan.seconds_left) return;
  if (plan.work <= 0) return;  // nothing left: no deadline to miss
  if (*plan.seconds_left <= 0) {
    plan.deadline_past = true;
    plan.deadline_met = false;
    plan.warnings.push_back(fmt::format("the deadline has already passed ({:.0f}s ago): recommending {} replicas",
                                        -*plan.seconds_left, plan.desired_replicas));
  } else if (plan.predicted_drain_seconds > *plan.seconds_left) {
    plan.deadline_met = false;
    plan.warnings.push_back(fmt::format(
        "the deadline will be missed: {} replicas drain {} tasks {}, {:.0f}s left", plan.desired_replicas, plan.work,
        std::isfinite(plan.predicted_drain_seconds) ? fmt::format("in {:.0f}s", plan.predicted_drain_seconds)
                                                    : std::string("never"),
        *plan.seconds_left));
  }
}

std::string action_of(const Plan& plan) {
  if (plan.new_jobs > 0) return "create-jobs";
  if (plan.desired_replicas > plan.current_replicas && !creates_jobs(plan.strategy)) return "scale-up";
  if (plan.desired_replicas < plan.current_replicas) return "scale-down";
  return "hold";
}

}  // namespace

Plan make_plan(const PlanInput& in) {
  Plan plan;
  plan.strategy = in.policy.strategy;
  plan.current_replicas = in.current_replicas;
  plan.work = static_cast<double>(in.snapshot.unfinished);
  plan.seconds_left = seconds_until_deadline(in.policy, in.now_epoch);
  choose_job_deadlines(in, plan);
  choose_task_time(in, plan);
  // A controller's record of activity, whichever branch plans: an idle spell is measured from the last work seen.
  if (in.hpa_state != nullptr && plan.work > in.policy.activation_threshold) in.hpa_state->last_active = in.now_epoch;
  // A past deadline overrides every strategy: the best left to do is to finish as soon as possible.
  if (plan.seconds_left && *plan.seconds_left <= 0 && plan.work > 0) {
    // As many pods as can work at once: max replicas, or one per unfinished task when fewer; never fewer than the
    // pods running leased tasks (a scale-in picks pods at random).
    const int useful = std::max(in.policy.min_replicas,
                                static_cast<int>(std::min<double>(std::ceil(plan.work), in.policy.max_replicas)));
    const bool jobs = creates_jobs(plan.strategy);
    if (jobs) plan.new_jobs = std::max(0, useful - in.current_replicas);
    plan.desired_replicas =
        jobs ? in.current_replicas + static_cast<int>(plan.new_jobs) : std::max(useful, busy_pods(in));
    plan.reason = past_deadline_reason(-*plan.seconds_left, plan.work, useful, in.policy.max_replicas);
  } else {
    run_strategy(in, plan);
  }
  predict(in, plan);
  plan.action = action_of(plan);
  if (plan.seconds_left && *plan.seconds_left > 0 && plan.work > 0)
    plan.deadline_replicas = policy_deadline_need(in, plan).replicas;
  // Past the deadline every strategy's count is as many as can work at once; the deadline strategy's is its need.
  if (plan.deadline_past || plan.strategy == Strategy::deadline)
    plan.deadline_replicas = std::max(plan.deadline_replicas, plan.desired_replicas);
  for (const auto& due : plan.jobs_due)
    plan.deadline_replicas = std::max(plan.deadline_replicas, job_deadline_need(in, plan, due).replicas);
  return plan;
}

core::Json to_json(const Plan& plan, const PlanInput& in) {
  auto number_or_null = [](double v) { return std::isfinite(v) ? core::Json(v) : core::Json(); };
  core::Json inputs = core::Json::object();
  inputs.set("queue", in.snapshot.queue);
  inputs.set("unfinished", in.snapshot.unfinished);
  inputs.set("backlog", in.snapshot.backlog);
  inputs.set("depth_by_priority", core::Json::Object{{"high", in.snapshot.depth_high},
                                                     {"normal", in.snapshot.depth_normal},
                                                     {"low", in.snapshot.depth_low}});
  inputs.set("in_flight", in.snapshot.in_flight);
  inputs.set("delayed", in.snapshot.delayed);
  inputs.set("current_replicas", in.current_replicas);
  inputs.set("task_seconds_p95", plan.task_seconds);
  inputs.set("task_seconds_source", plan.task_seconds_source);
  inputs.set("pod_startup_seconds", in.policy.pod_startup_seconds);
  inputs.set("min_replicas", in.policy.min_replicas);
  inputs.set("max_replicas", in.policy.max_replicas);
  core::Json deadline;
  if (plan.seconds_left) {
    deadline = core::Json::object();
    deadline.set("seconds_left", *plan.seconds_left);
    deadline.set("past", plan.deadline_past);
    deadline.set("met", plan.deadline_met);
  }
  core::Json job_deadline;
  if (plan.job_seconds_left) {
    job_deadline = core::Json::object();
    job_deadline.set("seconds_left", *plan.job_seconds_left);
    job_deadline.set("tasks", plan.job_tasks);
    job_deadline.set("met", plan.job_deadline_met);
    job_deadline.set("deadlines", static_cast<std::int64_t>(plan.jobs_due.size()));
  }
  core::Json warnings = core::Json::array();
  for (const auto& w : plan.warnings) warnings.push_back(w);
  core::Json options = core::Json::object();
  options.set("strategy", std::string(strategy_name(plan.strategy)));
  options.set("inputs", inputs);
  core::Json out = core::Json::object();
  out.set("schema", "swath.scale.plan/1");
  out.set("strategy", std::string(strategy_name(plan.strategy)));
  out.set("current_replicas", plan.current_replicas);
  out.set("desired_replicas", plan.desired_replicas);
  out.set("new_jobs", plan.new_jobs);
  out.set("action", plan.action);
  out.set("reason", plan.reason);
  out.set("predicted_drain_seconds", number_or_null(plan.predicted_drain_seconds));
  out.set("predicted_pod_seconds", number_or_null(plan.predicted_pod_seconds));
  out.set("predicted_cost", number_or_null(plan.predicted_cost));
  out.set("deadline", deadline);
  out.set("job_deadline", job_deadline);
  out.set("warnings", warnings);
  out.set("inputs", inputs);
  out.set("provenance", provenance::provenance_json(provenance::hash_options(options)));
  return out;
}

std::string to_text(const Plan& plan) {
  std::string out = fmt::format("strategy   {}\nreplicas   {} → {} ({})\n", strategy_name(plan.strategy),
                                plan.current_replicas, plan.desired_replicas, plan.action);
  if (plan.new_jobs > 0) out += fmt::format("new jobs   {}\n", plan.new_jobs);
  out += fmt::format("reason     {}\n", plan.reason);
  out += std::isfinite(plan.predicted_drain_seconds)
             ? fmt::format("drain      {:.0f}s for {} tasks at {}s p95 ({})\ncost       {:.0f} pod-seconds = {:.2f}\n",
                           plan.predicted_drain_seconds, plan.work, plan.task_seconds, plan.task_seconds_source,
                           plan.predicted_pod_seconds, plan.predicted_cost)
             : std::string("drain      never (no replicas)\n");
  if (plan.seconds_left) {
    out += fmt::format("deadline   {:.0f}s left, {}\n", *plan.seconds_left,
                       plan.deadline_past  ? "already past"
                       : plan.deadline_met ? "met"
                                           : "MISSED");
  }
  if (plan.job_seconds_left) {
    out += fmt::format(
        "job due    in {:.0f}s: {} task(s) to start by then, {}{}\n", *plan.job_seconds_left, plan.job_tasks,
        plan.job_deadline_met ? "met" : "MISSED",
        plan.jobs_due.size() > 1 ? fmt::format(" ({} job deadlines ahead)", plan.jobs_due.size()) : std::string());
  }
  for (const auto& w : plan.warnings) out += "warning    " + w + "\n";
  return out;
}

}  // namespace swath::scale
