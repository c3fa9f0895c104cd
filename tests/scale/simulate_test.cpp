// The simulator and trace reader: conservation of work, deadlines, the hindsight search, strict CSV errors.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "scale/report.hpp"
#include "scale/simulate.hpp"
#include "scale/trace.hpp"
#include "support/errors.hpp"

using namespace swath;

namespace {

scale::SimConfig small_config() {
  scale::SimConfig c;
  c.policy.max_replicas = 8;
  c.policy.deadline_seconds = 600;
  c.policy.pod_startup_seconds = 20;
  c.policy.polling_interval_seconds = 10;
  c.policy.cooldown_seconds = 60;
  c.policy.scale_down.stabilization_window_seconds = 30;
  c.policy.target_tasks_per_pod = 5;
  c.task_p50 = 2;
  c.task_p95 = 4;
  return c;
}

const std::vector<scale::Arrival> kTrace = {{0, 60}, {100, 5}, {300, 80}, {320, 10}};

}  // namespace

TEST_CASE("simulate: every strategy finishes every task, pays at least the work, and is deterministic") {
  const auto config = small_config();
  for (const auto& name : scale::strategy_names()) {
    CAPTURE(name);
    const auto s = scale::parse_strategy(name, "test");
    const auto r = scale::simulate(kTrace, s, config);
    CHECK(r.finished);
    CHECK(r.tasks == 155);
    CHECK(r.completion_seconds >= 320);
    // each task takes ~2 s (median), so 155 tasks need well over 155 pod-seconds, plus a start-up per pod
    CHECK(r.pod_seconds >= r.busy_seconds + config.policy.pod_startup_seconds);  // at least one pod started
    CHECK(r.busy_seconds > 155 * 1.0);
    CHECK(r.peak_replicas <= config.policy.max_replicas);
    CHECK_FALSE(r.samples.empty());
    const auto again = scale::simulate(kTrace, s, config);
    CHECK(again.pod_seconds == r.pod_seconds);
    CHECK(again.completion_seconds == r.completion_seconds);
  }
}

TEST_CASE("simulate: deadline meets a feasible deadline with few pods; a tight one is missed and reported") {
  auto config = small_config();
  const auto relaxed = scale::simulate(kTrace, scale::Strategy::deadline, config);
  CHECK(relaxed.deadline_misses == 0);
  CHECK(relaxed.completion_seconds <= 600);
  const auto eager = scale::simulate(kTrace, scale::Strategy::scaledjob_eager, config);
  CHECK(relaxed.pod_seconds < eager.pod_seconds);
  config.policy.deadline_seconds = 330;  // 90 tasks arrive at 300-320 s: impossible for 8 pods with 20 s start-up
  config.policy.max_replicas = 2;
  const auto tight = scale::simulate(kTrace, scale::Strategy::deadline, config);
  CHECK(tight.deadline_misses > 0);
}

TEST_CASE("simulate: the hindsight optimum meets the deadline and is no dearer than any strategy that does") {
  const auto config = small_config();
  const auto report = scale::simulate_all(kTrace, config);
  REQUIRE(report.optimum);
  CHECK(report.optimum->result.deadline_misses == 0);
  CHECK(report.optimum->replicas >= 1);
  for (const auto& r : report.results) {
    CAPTURE(r.strategy);
    if (r.deadline_misses == 0) CHECK(report.optimum->result.pod_seconds <= r.pod_seconds * 1.15);
  }
  const auto text = scale::to_text(report);
  CHECK(text.find("hindsight-optimum") != std::string::npos);
  CHECK(scale::to_json(report).at("strategies").as_array().size() == 5);
}

TEST_CASE("simulate: an absolute deadline_at is refused (a trace has no wall clock), not read as no deadline") {
  auto config = small_config();
  config.policy.deadline_seconds.reset();
  config.policy.deadline_at_epoch = 1.8e9;
  CHECK(test::usage_message([&] {
          scale::simulate_all(kTrace, config);
        }).find("deadline_at: the simulator needs a relative deadline_seconds") != std::string::npos);
}

TEST_CASE("plot: one panel per strategy, with the deadline marked") {
  const auto config = small_config();
  std::vector<scale::SimResult> results = {scale::simulate(kTrace, scale::Strategy::hpa, config),
                                           scale::simulate(kTrace, scale::Strategy::deadline, config)};
  const auto svg = scale::plot_svg(results, 600.0);
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find(">hpa</text>") != std::string::npos);
  CHECK(svg.find(">deadline</text>") != std::string::npos);
  CHECK(svg.find("stroke=\"red\"") != std::string::npos);
  std::size_t polylines = 0;
  for (auto at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++polylines;
  CHECK(polylines == 2);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
}

TEST_CASE("trace: arrivals of 0 tasks only, or at absurd times, are refused (were NaN columns, a hang)") {
  CHECK(test::usage_message([] {
          scale::parse_trace("time,tasks\n0,0\n60,0\n", "t.csv");
        }).rfind("t.csv: the trace has no arrivals", 0) == 0);
  CHECK(test::usage_message([] { scale::parse_trace("0,5\n1e300,1\n", "t.csv"); }) ==
        "t.csv:2: time 1e300 is past the simulator's 10000000 s (16 weeks) (hint: times are seconds from the "
        "trace's start, not epoch times)");
  CHECK(scale::parse_trace("0,5\n1e7,1\n", "t.csv").size() == 2);
}

TEST_CASE("trace: header, comments, and strict errors with line numbers") {
  const auto t = scale::parse_trace("# a comment\ntime,tasks\n0,5\n10, 3  # late\n10,0\n", "t.csv");
  REQUIRE(t.size() == 3);
  CHECK(t[1].time == 10);
  CHECK(t[1].tasks == 3);
  // A `tasks,time` header is read as it says (was: 10 tasks at 50 s, the columns swapped without a word).
  const auto swapped = scale::parse_trace("Tasks, Time\n50,10\n", "t.csv");
  REQUIRE(swapped.size() == 1);
  CHECK(swapped[0].time == 10);
  CHECK(swapped[0].tasks == 50);
  CHECK(test::usage_message([] {
          scale::parse_trace("seconds,jobs\n0,5\n", "t.csv");
        }).rfind("t.csv:1: header 'seconds,jobs' names no `time` and `tasks` columns", 0) == 0);
  CHECK(test::usage_message([] { scale::parse_trace("0,5\n20,1\n10,2\n", "t.csv"); }) ==
        "t.csv:3: time 10 is before the previous line's time (times must be sorted) (hint: a trace is CSV lines "
        "`time,tasks`: seconds from the start (sorted, >= 0) and a task count)");
  CHECK(test::usage_message([] {
          scale::parse_trace("time,tasks\n-5,1\n", "t.csv");
        }).rfind("t.csv:2: negative time -5", 0) == 0);
  CHECK(test::usage_message([] {
          scale::parse_trace("0,-1\n", "t.csv");
        }).rfind("t.csv:1: task count -1 is not a whole number", 0) == 0);
  CHECK(test::usage_message([] {
          scale::parse_trace("0,1\nabc\n", "t.csv");
        }).rfind("t.csv:2: expected `time,tasks`", 0) == 0);
  // Only a first line of two words is a header; a first arrival with a typo is an error, not skipped.
  CHECK(test::usage_message([] {
          scale::parse_trace("0,1O\n10,2\n", "t.csv");
        }).rfind("t.csv:1: '0,1O' is not two numbers", 0) == 0);
  // The simulator holds and replays every task: a typo of a few zeros must not become an out-of-memory kill.
  CHECK(test::usage_message([] {
          scale::parse_trace("0,5\n10,1e12\n", "t.csv");
        }).rfind("t.csv:2: 1000000000005 tasks in all: more than the simulator's 10000000", 0) == 0);
  CHECK(test::usage_message([] {
          scale::parse_trace("0,1\nx,y\n", "t.csv");
        }).rfind("t.csv:2: 'x,y' is not two numbers", 0) == 0);
  CHECK(test::usage_message([] { scale::parse_trace("# nothing\n", "t.csv"); }).find("no arrivals") !=
        std::string::npos);
}
