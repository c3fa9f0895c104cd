// Plans from a snapshot: the deadline a queued job sets, ScaledJob activation, counts no queue holds.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "scale/plan.hpp"
#include "scale/snapshot.hpp"

using namespace swath;

TEST_CASE("plan: a queued job's deadline is planned for its own tasks, started by then; the larger plan wins") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::deadline;
  in.policy.deadline_seconds = 3600;
  in.policy.pod_startup_seconds = 45;
  in.policy.max_replicas = 100;
  in.snapshot.unfinished = 500;
  in.snapshot.task_count = 10;
  in.snapshot.task_p95 = 4;
  in.now_epoch = 1000;
  const auto relaxed = scale::make_plan(in);
  CHECK_FALSE(relaxed.job_seconds_left);
  // `enqueue --deadline 120` of all 500: started within 120 s (finished within 124) needs more pods than 3600 s.
  in.snapshot.job_deadlines = {{.epoch = 1120, .seconds = std::nullopt, .tasks = 500}};
  const auto urgent = scale::make_plan(in);
  CHECK(urgent.job_seconds_left == 120);
  CHECK(urgent.desired_replicas > relaxed.desired_replicas);
  CHECK(urgent.job_deadline_met);
  CHECK(urgent.reason.rfind("a queued job's deadline: ", 0) == 0);
  CHECK(scale::to_text(urgent).find("job due    in 120s: 500 task(s) to start by then, met") != std::string::npos);
  CHECK(scale::to_json(urgent, in).at("job_deadline").at("tasks").as_double() == 500);
  CHECK(scale::to_json(urgent, in).at("deadline").at("seconds_left").as_double() == 3600);  // the policy's, as ever

  // 2 urgent tasks beside 498 others: planned for the 2 (the policy's plan is larger), with a warning on order.
  in.snapshot.job_deadlines[0].tasks = 2;
  const auto beside = scale::make_plan(in);
  CHECK(beside.desired_replicas == relaxed.desired_replicas);
  CHECK(beside.job_deadline_met);
  CHECK(scale::to_text(beside).find("assumes its 2 task(s) run before the 498 other task(s) waiting") !=
        std::string::npos);

  // --now past the job's deadline: nothing planned for it, said so; its epoch (not the file's seconds) decides.
  in.snapshot.job_deadlines[0].seconds = 120;
  in.now_epoch = 2000;
  const auto late = scale::make_plan(in);
  CHECK_FALSE(late.job_seconds_left);
  CHECK(scale::to_text(late).find("a queued job's deadline passed 880s ago") != std::string::npos);
  // Without a policy deadline the job's alone decides.
  in.now_epoch = 1000;
  in.policy.deadline_seconds.reset();
  in.snapshot.job_deadlines[0].tasks = 500;
  CHECK(scale::make_plan(in).desired_replicas == urgent.desired_replicas);
}

TEST_CASE("plan: scaledjob strategies create no job at or below the activation threshold, as KEDA's ScaledJob") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::scaledjob_default;
  in.policy.activation_threshold = 2000;
  in.snapshot.unfinished = 1204;
  auto plan = scale::make_plan(in);
  CHECK(plan.new_jobs == 0);
  CHECK(plan.reason.find("inactive: unfinished 1204 <= activation threshold 2000") != std::string::npos);
  in.snapshot.unfinished = 2001;
  plan = scale::make_plan(in);
  CHECK(plan.new_jobs > 0);
}

TEST_CASE("snapshot: counts beyond any queue are refused; the earliest job deadline is read") {
  CHECK_THROWS_WITH_AS(
      scale::parse_stats_json(
          R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":0,"unfinished":9223372036854775807})", "s.json"),
      doctest::Contains("'unfinished' is 9223372036854775807, more than any queue holds"), core::DataError);
  const auto s = scale::parse_stats_json(
      R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":0,"unfinished":3,"seconds_to_earliest_deadline":59.5})",
      "s.json");
  REQUIRE(s.job_deadlines.size() == 1);
  CHECK(s.job_deadlines[0].seconds == 59.5);
  CHECK_FALSE(s.job_deadlines[0].epoch);
  CHECK(
      scale::parse_stats_json(
          R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":0,"seconds_to_earliest_deadline":null})", "s.json")
          .job_deadlines.empty());
}

TEST_CASE("plan: every queued job's deadline counts, soonest first: a big job due just after a small one is seen") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::deadline;
  in.policy.deadline_seconds = 3600;
  in.policy.pod_startup_seconds = 45;
  in.policy.max_replicas = 500;
  in.snapshot.unfinished = 2010;
  in.snapshot.task_count = 10;
  in.snapshot.task_p95 = 4;
  // 10 tasks due in 120 s, then 2000 more due 10 s later: 2010 to start within 130 s.
  const auto stats = scale::parse_stats_json(R"({"schema":"swath.queue.stats/1","backlog":2010,"in_flight":0,
      "unfinished":2010,"deadlines":[{"deadline":1120000,"seconds_left":120,"to_start":10},
                                     {"deadline":1130000,"seconds_left":130,"to_start":2010}]})",
                                             "s.json");
  REQUIRE(stats.job_deadlines.size() == 2);
  CHECK(stats.job_deadlines[1].epoch == 1130);
  CHECK(stats.job_deadlines[1].tasks == 2010);
  in.snapshot.job_deadlines = {stats.job_deadlines.front()};
  const auto first_only = scale::make_plan(in);  // what planning the soonest alone gave
  in.snapshot.job_deadlines = stats.job_deadlines;
  in.now_epoch = 1000;
  const auto both = scale::make_plan(in);
  CHECK(both.desired_replicas > first_only.desired_replicas);
  CHECK(both.job_seconds_left == 130);
  CHECK(both.job_tasks == 2010);
  CHECK(both.job_deadline_met);
  CHECK(scale::to_json(both, in).at("job_deadline").at("deadlines").as_int() == 2);
  // On the pods planned for the first alone, the second is missed: said, naming its tasks.
  in.policy.max_replicas = first_only.desired_replicas;
  const auto capped = scale::make_plan(in);
  CHECK_FALSE(capped.job_deadline_met);
  CHECK(capped.job_seconds_left == 130);
  CHECK(scale::to_text(capped).find("queued jobs' 2010 task(s) due to start within 130s") != std::string::npos);
  // A malformed list is named.
  CHECK_THROWS_WITH_AS(scale::parse_stats_json(
                           R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":0,"deadlines":[3]})", "s.json"),
                       doctest::Contains("'deadlines' holds 3, not an object"), core::DataError);
}

TEST_CASE("plan: pods busy with leased tasks start no task due by a deadline until those finish") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::deadline;
  in.policy.pod_startup_seconds = 45;
  in.policy.max_replicas = 100;
  in.current_replicas = 4;
  in.snapshot.task_count = 10;
  in.snapshot.task_p95 = 60;
  in.now_epoch = 1000;
  // 4 tasks due to start within 30 s, none running: the 4 pods start them now.
  in.snapshot.unfinished = 4;
  in.snapshot.job_deadlines = {{.epoch = std::nullopt, .seconds = 30, .tasks = 4}};
  CHECK(scale::make_plan(in).job_deadline_met);
  // The 4 pods busy with 4 other leased tasks for up to a minute: they cannot (was: "met").
  in.snapshot.unfinished = 8;
  in.snapshot.in_flight = 4;
  const auto busy = scale::make_plan(in);
  CHECK_FALSE(busy.job_deadline_met);
  // Started tasks of the job itself are no other work waiting: no warning about running first.
  in.snapshot.unfinished = 100;
  in.snapshot.in_flight = 10;
  in.snapshot.finishing = 0;
  in.snapshot.job_deadlines = {{.epoch = std::nullopt, .seconds = 3000, .tasks = 90}};
  CHECK(scale::to_text(scale::make_plan(in)).find("assumes its") == std::string::npos);
}

TEST_CASE("plan: a ScaledJob's pending jobs count among the current ones but still start up in the prediction") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::scaledjob_default;
  in.policy.pod_startup_seconds = 60;
  in.policy.max_replicas = 4;
  in.policy.target_tasks_per_pod = 10;
  in.snapshot.unfinished = 40;
  in.snapshot.task_count = 10;
  in.snapshot.task_p95 = 10;
  in.current_replicas = 4;  // all running
  const auto running = scale::make_plan(in);
  REQUIRE(running.desired_replicas == 4);
  CHECK(running.predicted_drain_seconds == doctest::Approx(100));  // 10 tasks of 10 s on each pod, started
  in.pending_jobs = 4;                                             // the same four jobs, their pods not started yet
  const auto pending = scale::make_plan(in);
  REQUIRE(pending.desired_replicas == 4);
  CHECK(pending.predicted_drain_seconds == doctest::Approx(160));  // was 100: as if they ran already
}
