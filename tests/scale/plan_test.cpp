// Plans from a snapshot: the deadline a queued job sets, ScaledJob activation, counts no queue holds.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "scale/plan.hpp"
#include "scale/snapshot.hpp"

using namespace swath;

TEST_CASE("plan: a queued job's deadline earlier than the policy's is the one planned for") {
  scale::PlanInput in;
  in.policy.strategy = scale::Strategy::deadline;
  in.policy.deadline_seconds = 3600;
  in.snapshot.unfinished = 500;
  in.snapshot.task_count = 10;
  in.snapshot.task_p95 = 4;
  const auto relaxed = scale::make_plan(in);
  CHECK(relaxed.deadline_from == "policy");
  in.snapshot.seconds_to_job_deadline = 120;  // `enqueue --deadline 120`: tasks not started by then expire
  const auto urgent = scale::make_plan(in);
  CHECK(urgent.seconds_left == 120);
  CHECK(urgent.deadline_from == "queue");
  CHECK(urgent.desired_replicas > relaxed.desired_replicas);
  CHECK(scale::to_text(urgent).find("120s left (a queued job's)") != std::string::npos);
  CHECK(scale::to_json(urgent, in).at("deadline").at("from").as_string() == "queue");
  // A later job deadline leaves the policy's; without a policy deadline, the job's is the deadline.
  in.snapshot.seconds_to_job_deadline = 7200;
  CHECK(scale::make_plan(in).seconds_left == 3600);
  in.policy.deadline_seconds.reset();
  CHECK(scale::make_plan(in).seconds_left == 7200);
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
  CHECK(s.seconds_to_job_deadline == 59.5);
  CHECK_FALSE(
      scale::parse_stats_json(
          R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":0,"seconds_to_earliest_deadline":null})", "s.json")
          .seconds_to_job_deadline);
}
