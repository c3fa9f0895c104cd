// The scaling formulas against worked examples from KEDA's and Kubernetes' documentation.
#include <doctest/doctest.h>

#include <cmath>

#include "scale/formulas.hpp"
#include "scale/plan.hpp"

using namespace swath;
using scale::Strategy;

TEST_CASE("scaledjob: the maxReplicaCount table of KEDA's ScaledJob spec (default strategy)") {
  // | Queue Length | Max Replica Count | Target Average Value | Running Job Count | Number of the Scale |
  struct Row {
    long long queue;
    long long max;
    double target;
    long long running;
    long long expected;
  };
  const Row rows[] = {{10, 3, 1, 0, 3}, {10, 3, 2, 0, 3}, {10, 3, 1, 1, 2}, {10, 100, 1, 0, 10}, {4, 3, 5, 0, 1}};
  for (const auto& r : rows) {
    CAPTURE(r.queue);
    CAPTURE(r.max);
    CAPTURE(r.target);
    CAPTURE(r.running);
    CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, r.queue, r.target, r.running, 0, 0, r.max) ==
          r.expected);
  }
}

TEST_CASE("scaledjob-default: the RabbitMQ walk-through of KEDA's docs") {
  // 3 messages, 0 running → 3 jobs; still 3 queued with 3 running → none; 6 queued, 3 running → 3 more.
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, 3, 1, 0, 0, 0, 100) == 3);
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, 3, 1, 3, 0, 0, 100) == 0);
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, 6, 1, 3, 0, 0, 100) == 3);
  // Never negative: more running than the queue asks for.
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, 1, 1, 5, 0, 0, 100) == 0);
}

TEST_CASE("scaledjob: minReplicaCount example of KEDA's docs") {
  // minReplicaCount 2 with 2 jobs running permanently, target 1, 3 messages sent → 3 more jobs are created.
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, 3, 1, 2, 0, 2, 100) == 3);
  // Below the minimum: top up to it, whatever the queue says.
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_default, 0, 1, 0, 0, 2, 100) == 2);
}

TEST_CASE("scaledjob-accurate: deducts pending jobs, or fills up to maxReplicaCount") {
  // (maxScale + running) > maxReplicaCount → maxReplicaCount - running
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_accurate, 5, 1, 7, 0, 0, 10) == 3);
  // otherwise maxScale - pending
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_accurate, 3, 1, 2, 1, 0, 10) == 2);
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_accurate, 3, 1, 4, 4, 0, 10) == 0);
}

TEST_CASE("scaledjob-eager: min(maxReplicaCount - running - pending, maxScale)") {
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_eager, 3, 1, 0, 0, 0, 10) == 3);
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_eager, 5, 1, 8, 1, 0, 10) == 1);
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_eager, 50, 10, 2, 0, 0, 10) == 5);
  CHECK(scale::scaledjob_new_jobs(Strategy::scaledjob_eager, 5, 1, 10, 0, 0, 10) == 0);
}

TEST_CASE("hpa: ceil(current × metric / target), with the 0.1 tolerance") {
  // Kubernetes HPA docs: a metric twice the target doubles the replicas.
  CHECK(scale::hpa_raw_desired(2, 40, 10, 0.1) == 4);
  // ratio 21 / (2 × 10) = 1.05: within tolerance, no change
  CHECK(scale::hpa_raw_desired(2, 21, 10, 0.1) == 2);
  // ratio 1.15: outside, ceil(2.3) = 3
  CHECK(scale::hpa_raw_desired(2, 23, 10, 0.1) == 3);
  // half the target halves the replicas; 0.95 stays
  CHECK(scale::hpa_raw_desired(4, 20, 10, 0.1) == 2);
  CHECK(scale::hpa_raw_desired(4, 38, 10, 0.1) == 4);
}

TEST_CASE("hpa: activation from zero and cooldown back to zero") {
  scale::Policy p;
  p.activation_threshold = 5;
  p.cooldown_seconds = 300;
  scale::HpaState state;
  CHECK(scale::hpa_step(p, state, 0, 0, 5).replicas == 0);  // must exceed the threshold
  const auto woke = scale::hpa_step(p, state, 30, 0, 6);
  CHECK(woke.replicas == 1);
  CHECK(woke.reason.find("activation") != std::string::npos);
  CHECK(scale::hpa_step(p, state, 60, 1, 0).replicas == 1);  // inactive, but within the cooldown
  const auto slept = scale::hpa_step(p, state, 331, 1, 0);   // 301 s after it was last active
  CHECK(slept.replicas == 0);
  CHECK(slept.reason.find("cooldown") != std::string::npos);
}

TEST_CASE("hpa: a fresh state has no history, so its first step does not claim a cooldown of inactivity") {
  scale::Policy p;
  p.cooldown_seconds = 300;
  scale::HpaState state;
  const auto first = scale::hpa_step(p, state, 1e9, 2, 0);  // two pods, nothing unfinished, nothing known before
  CHECK(first.replicas == 2);  // held by the window's initial count (not zero, nor the HPA's minimum of 1 yet)
  CHECK(first.reason.find("cooldown") == std::string::npos);
  CHECK(scale::hpa_step(p, state, 1e9 + 299, 2, 0).replicas > 0);
  const auto later = scale::hpa_step(p, state, 1e9 + 300, 2, 0);
  CHECK(later.replicas == 0);
  CHECK(later.reason == "cooldown: inactive for 300s (cooldown 300s), scaling to zero");
}

TEST_CASE("hpa: never below the pods running leased tasks (busy), unless above max; busy 0 is KEDA's HPA") {
  scale::Policy p;
  p.scale_down.stabilization_window_seconds = 0;
  auto step = [&](int busy) {
    scale::HpaState state;
    return scale::hpa_step(p, state, 0, 5, 5, busy);  // 5 unfinished on 5 pods, target 10: the HPA wants 1
  };
  CHECK(step(0).replicas == 1);
  CHECK(step(2).replicas == 2);
  const auto kept = step(5);
  CHECK(kept.replicas == 5);
  CHECK(kept.reason.find(", kept at 5: pods running leased tasks are not scaled in") != std::string::npos);
  p.max_replicas = 3;
  CHECK(step(5).replicas == 3);
}

TEST_CASE("hpa: scale-up rate limit, max(4 pods, 100%) per 15 s period") {
  scale::Policy p;
  p.max_replicas = 100;
  scale::HpaState state;
  CHECK(scale::hpa_step(p, state, 0, 1, 1000).replicas == 5);    // max(1 + 4, 2)
  CHECK(scale::hpa_step(p, state, 5, 5, 1000).replicas == 5);    // same period: period start is still 1
  CHECK(scale::hpa_step(p, state, 15, 5, 1000).replicas == 10);  // new period: max(5 + 4, 10)
  CHECK(scale::hpa_step(p, state, 30, 10, 1000).replicas == 20);
}

TEST_CASE("hpa: scale-down stabilisation window keeps the highest recommendation of the last 300 s") {
  scale::Policy p;
  scale::HpaState state;
  CHECK(scale::hpa_step(p, state, 0, 10, 100).replicas == 10);
  CHECK(scale::hpa_step(p, state, 60, 10, 20).replicas == 10);  // wants 2, but 10 was recommended 60 s ago
  CHECK(scale::hpa_step(p, state, 301, 10, 20).replicas == 2);  // the 10 left the window
}

TEST_CASE("hpa: a first evaluation starts its window with the current count, as the HPA does: no scale-in at once") {
  scale::Policy p;
  scale::HpaState state;
  const auto first = scale::hpa_step(p, state, 0, 10, 80);  // wants 8
  CHECK(first.replicas == 10);
  CHECK_MESSAGE(first.reason.find("stabilised to 10") != std::string::npos, first.reason);
  CHECK(scale::hpa_step(p, state, 301, 10, 80).replicas == 8);  // once the initial count has left the window
  // Scale-up is not held by it (a scale-up window of 0 counts only the recommendation now).
  scale::HpaState fresh;
  CHECK(scale::hpa_step(p, fresh, 0, 2, 40).replicas == 4);
  p.scale_down.stabilization_window_seconds = 0;
  scale::HpaState unwindowed;
  CHECK(scale::hpa_step(p, unwindowed, 0, 10, 80).replicas == 8);
}

TEST_CASE("hpa: a huge backlog over a tiny target asks for max replicas, not an overflowed count") {
  CHECK(scale::hpa_raw_desired(1, 3e10, 10, 0.1) == 2147483647);
  CHECK(scale::hpa_raw_desired(0, 1e12, 0.001, 0.1) == 2147483647);
  scale::Policy p;
  scale::HpaState state;
  const auto d = scale::hpa_step(p, state, 0, 3, 3e10);
  CHECK(d.replicas == 7);  // up, at the scale-up rate: max(3 + 4, 2 × 3)
  CHECK_MESSAGE(d.reason.find("= 3000000000, at most max_replicas 20") != std::string::npos, d.reason);
}

TEST_CASE("hpa: a count above max_replicas, held by the window, is said to end at max_replicas") {
  scale::Policy p;
  scale::HpaState state;
  const auto d = scale::hpa_step(p, state, 0, 30, 300);
  CHECK(d.replicas == 20);
  CHECK_MESSAGE(d.reason.find(", stabilised to 30, then 20 (min and max replicas)") != std::string::npos, d.reason);
}

TEST_CASE("hpa: within the tolerance, the reason shows the formula's value and the count kept") {
  scale::Policy p;
  scale::HpaState state;
  const auto d = scale::hpa_step(p, state, 0, 10, 105);
  CHECK(d.replicas == 10);
  CHECK_MESSAGE(d.reason.find("ceil(10 × 105 / (10 × 10)) = 11, within the 0.1 tolerance: 10") != std::string::npos,
                d.reason);
}

TEST_CASE("hpa: scale-down rate limit with a Pods policy") {
  scale::Policy p;
  p.scale_down = {0, 2, 0, 60};  // no window; at most 2 pods (0%) per minute
  scale::HpaState state;
  CHECK(scale::hpa_step(p, state, 0, 10, 10).replicas == 8);
  CHECK(scale::hpa_step(p, state, 30, 8, 10).replicas == 8);  // the minute is used up
  CHECK(scale::hpa_step(p, state, 61, 8, 10).replicas == 6);
}

TEST_CASE("deadline: fewest pods, accounting for start-up latency and running pods") {
  scale::DeadlineInput in{100, 0, 4, 40, 440, 0, 20};
  auto d = scale::deadline_replicas(in);
  CHECK(d.replicas == 1);  // one new pod: (440 - 40) / 4 = 100 tasks
  CHECK(d.feasible);
  in.seconds_left = 240;
  CHECK(scale::deadline_replicas(in).replicas == 2);  // 50 tasks each
  in.ready_pods = 1;                                  // a running pod does 60, one new pod the other 40
  CHECK(scale::deadline_replicas(in).replicas == 2);
  in.ready_pods = 3;  // three running pods: two are enough (60 each)
  CHECK(scale::deadline_replicas(in).replicas == 2);
  in.min_replicas = 3;
  CHECK(scale::deadline_replicas(in).replicas == 3);
}

TEST_CASE("deadline: cannot be met → max replicas and a clear reason") {
  scale::DeadlineInput in{1000, 0, 4, 40, 240, 0, 5};
  const auto d = scale::deadline_replicas(in);
  CHECK(d.replicas == 5);
  CHECK_FALSE(d.feasible);
  CHECK(d.needed == 20);
  CHECK(d.reason == "deadline cannot be met: 1000 tasks need 20 pods in 240s, max is 5");
  in.seconds_left = 30;  // less than start-up: no new pod can help
  CHECK(scale::deadline_replicas(in).reason.find("less than one task") != std::string::npos);
  in.ready_pods = 2;  // running pods do 7 tasks each in 30 s; new ones cannot start in time
  const auto late = scale::deadline_replicas(in);
  CHECK(late.replicas == 5);
  CHECK_FALSE(late.feasible);
  CHECK(late.reason ==
        "deadline cannot be met: 2 running pods finish 14 of 1000 tasks in 30s, and a new pod needs "
        "40s to start");
}

TEST_CASE("deadline: already past → says so, recommends max replicas") {
  const auto d = scale::deadline_replicas({10, 1, 4, 40, -90, 0, 7});
  CHECK(d.past);
  CHECK(d.replicas == 7);
  CHECK(d.reason == "the deadline passed 90s ago: recommending max replicas (7)");
  // Fewer tasks than max replicas: a pod per task (a pod runs one at a time), also when no count meets it.
  const auto few = scale::deadline_replicas({3, 0, 4, 40, -90, 0, 20});
  CHECK(few.replicas == 3);
  CHECK(few.reason == "the deadline passed 90s ago: one pod per unfinished task (3)");
  CHECK(scale::deadline_replicas({10, 0, 7200, 40, 3600, 0, 20}).replicas == 10);   // a task longer than the deadline
  CHECK(scale::deadline_replicas({10, 0, 7200, 40, 3600, 12, 20}).replicas == 12);  // min replicas still hold
}

TEST_CASE("plan: a past deadline asks for a pod per task at most; an empty queue misses no deadline") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::hpa;
  in.policy.deadline_seconds.reset();
  in.policy.deadline_at_epoch = 1000;
  in.now_epoch = 2000;
  in.snapshot.unfinished = 3;
  auto plan = scale::make_plan(in);
  CHECK(plan.desired_replicas == 3);
  CHECK(plan.deadline_past);
  in.snapshot.unfinished = 0;
  plan = scale::make_plan(in);
  CHECK(plan.deadline_met);
  CHECK(plan.warnings.size() == 1);  // only that the queue has no measured task times
  CHECK(scale::to_text(plan).find("MISSED") == std::string::npos);
  // No replica drains anything: "never", not "infs".
  in.policy.deadline_at_epoch.reset();
  in.policy.deadline_seconds = 60;
  in.policy.activation_threshold = 5;
  in.snapshot.unfinished = 5;
  plan = scale::make_plan(in);
  CHECK(plan.desired_replicas == 0);
  CHECK_FALSE(plan.deadline_met);
  CHECK(scale::to_text(plan).find("5 tasks never, 60s left") != std::string::npos);
  CHECK(scale::to_text(plan).find("inf") == std::string::npos);
}

TEST_CASE("plan: past the deadline, no scale-in under leased tasks; the idle spell counts from the last work") {
  scale::PlanInput in;
  in.policy.deadline_seconds.reset();
  in.policy.deadline_at_epoch = 1000;
  in.now_epoch = 2000;
  in.snapshot.unfinished = 3;
  in.snapshot.in_flight = 2;
  in.current_replicas = 10;
  for (const auto strategy : {scale::Strategy::hpa, scale::Strategy::deadline}) {
    CAPTURE(scale::strategy_name(strategy));
    in.policy.strategy = strategy;
    CHECK(scale::make_plan(in).desired_replicas == 3);  // a pod per task; the 2 running them are among them
  }
  in.snapshot.unfinished = 1;
  in.policy.strategy = scale::Strategy::deadline;
  CHECK(scale::make_plan(in).desired_replicas == 2);  // the pods running leased tasks stay
  in.snapshot.unfinished = 3;
  in.policy.strategy = scale::Strategy::scaledjob_default;  // jobs are never scaled in: no new job, none taken away
  const auto jobs = scale::make_plan(in);
  CHECK(jobs.desired_replicas == 10);
  CHECK(jobs.action == "hold");
  in.current_replicas = 0;
  in.policy.min_replicas = 5;
  auto plan = scale::make_plan(in);
  CHECK(plan.desired_replicas == 5);
  CHECK(plan.reason == "the deadline passed 1000s ago: min replicas (5), more than the 3 unfinished tasks");
  // A controller: work seen at 2000 (past the deadline), none at 2002: one pod stays until the cooldown has passed.
  in.policy.min_replicas = 0;
  in.snapshot.in_flight = 0;
  in.policy.strategy = scale::Strategy::deadline;
  in.policy.cooldown_seconds = 5;
  scale::HpaState state;
  in.hpa_state = &state;
  in.current_replicas = 3;
  (void)scale::make_plan(in);
  in.snapshot.unfinished = 0;
  in.now_epoch = 2002;
  CHECK(scale::make_plan(in).desired_replicas == 1);
  in.now_epoch = 2005;
  CHECK(scale::make_plan(in).desired_replicas == 0);
}

TEST_CASE("plan: measured task times under a millisecond are planned as 1 ms, not as the policy's seconds") {
  scale::PlanInput in;
  in.snapshot.unfinished = 500000;
  in.snapshot.task_count = 40;
  in.snapshot.task_p95 = 0;
  const auto plan = scale::make_plan(in);
  CHECK(plan.task_seconds == 0.001);
  CHECK(plan.task_seconds_source == "queue");
  CHECK(plan.desired_replicas == 1);  // 500000 tasks of 1 ms: one pod drains them in 500 s, well within 3600 s
}

TEST_CASE("hpa: the reason shows the formula's value, then the bound that changed it") {
  scale::Policy policy;
  scale::HpaState state;
  const auto d = scale::hpa_step(policy, state, 0, 3, 1204, 0);
  CHECK(d.reason.find("ceil(3 × 1204 / (3 × 10)) = 121, at most max_replicas 20") != std::string::npos);
}

TEST_CASE("drain_seconds: rounds of task time after start-up") {
  CHECK(scale::drain_seconds(100, 0, 2, 4, 40) == doctest::Approx(240).epsilon(1e-6));
  CHECK(scale::drain_seconds(100, 2, 2, 4, 40) == doctest::Approx(200).epsilon(1e-6));
  CHECK(scale::drain_seconds(0, 0, 0, 4, 40) == 0);
  CHECK(std::isinf(scale::drain_seconds(5, 0, 0, 4, 40)));
}
