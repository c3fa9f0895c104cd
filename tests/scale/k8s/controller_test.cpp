// The --watch controller with a fake clock and a kubectl stand-in: a relative deadline counts from a batch's first
// sight.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include <utility>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "scale/k8s/controller.hpp"
#include "scale/k8s/kubectl.hpp"
#include "scale/request.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("watch: deadline_seconds counts from when a batch is first seen, not from each iteration or the start") {
  test::ScratchDir dir;
  const std::string kubectl = dir / "kubectl";
  test::write_text(kubectl,
                   "#!/bin/sh\n# kubectl stand-in: two replicas, every other call succeeds silently\n"
                   "case \"$*\" in *' get deployment '*) printf 2 ;; esac\n");
  ::chmod(kubectl.c_str(), 0755);
  scale::k8s::WatchOptions o;
  o.policy.strategy = scale::Strategy::deadline;
  o.policy.deadline_seconds = 150;
  o.policy.max_replicas = 9;
  o.kubectl = kubectl;
  o.max_iterations = 6;
  o.interval_seconds = 0;
  double t = 1000;
  o.clock = [&] { return std::exchange(t, t + 100); };  // iterations at 1000, 1100, ... 1500
  // Work at 1000-1200, none at 1300 (drained), a new batch from 1400 on (an hour on, for a real controller).
  const std::vector<long long> unfinished{100, 100, 100, 0, 100, 100};
  std::size_t iteration = 0;
  const scale::SnapshotSource source = [&] {
    scale::QueueSnapshot s;
    s.unfinished = s.backlog = unfinished.at(iteration++);
    s.task_p95 = 1;
    s.task_count = 10;
    return s;
  };
  std::vector<std::string> lines;
  const auto report = scale::k8s::watch(source, o, [&](const std::string& line) { lines.push_back(line); });
  CHECK(report.iterations == 6);
  REQUIRE(lines.size() == 6);
  INFO(lines[0], "\n", lines[4]);
  CHECK(lines[0].find("within 150s") != std::string::npos);
  CHECK(lines[1].find("within 50s") != std::string::npos);  // not slid to 150 s from 1100
  CHECK(lines[2].find("the deadline passed 50s ago: recommending max replicas (9)") != std::string::npos);
  CHECK(lines[2].find("dry-run, would run: " + kubectl + " -n default scale deployment/swath-worker --replicas=9") !=
        std::string::npos);
  CHECK(lines[4].find("within 150s") != std::string::npos);  // was: passed 250 s ago, max replicas for a new batch
  CHECK(lines[5].find("within 50s") != std::string::npos);
}

TEST_CASE("resolve_source: a Redis stats reader (the queue library's) feeds the same contract") {
  std::string asked;
  const auto source =
      scale::resolve_source("", "redis://127.0.0.1:6390", "tiles", [&](const std::string& url, const std::string& q) {
        asked = url + " " + q;
        return core::Json::parse(
            R"({"schema":"swath.queue.stats/1","queue":"tiles","backlog":7,"in_flight":2,"workers":1,)"
            R"("task_seconds":{"p50":1,"p95":3,"count":9}})");
      });
  const auto s = source();
  CHECK(asked == "redis://127.0.0.1:6390 tiles");
  CHECK(s.backlog == 7);
  CHECK(s.in_flight == 2);
  CHECK(s.unfinished == 9);  // stats without "unfinished" (older ones): backlog + in flight + delayed
  CHECK(s.task_p95 == 3);
}

TEST_CASE("snapshot: \"unfinished\" is read from the stats when they have it, and must be a count") {
  const auto s = scale::parse_stats_json(
      R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":5,"delayed":1,"unfinished":8})", "stats.json");
  CHECK(s.unfinished == 8);  // the queue's own count (it also holds committed tasks not yet moved into place)
  CHECK(scale::parse_stats_json(R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":5,"delayed":1})", "old.json")
            .unfinished == 6);
  // Low tasks wait in their own list: depth counts them, the ready list (backlog) does not.
  CHECK(scale::parse_stats_json(R"({"schema":"swath.queue.stats/1","backlog":0,"depth":3,"in_flight":5,"delayed":1})",
                                "low.json")
            .unfinished == 9);
  CHECK_THROWS_WITH_AS(scale::parse_stats_json(
                           R"({"schema":"swath.queue.stats/1","backlog":0,"in_flight":5,"unfinished":-1})", "bad.json"),
                       doctest::Contains("'unfinished' is negative"), core::DataError);
}

TEST_CASE("watch: a controller that just started does not claim a cooldown's worth of inactivity") {
  test::ScratchDir dir;
  const std::string kubectl = dir / "kubectl";
  test::write_text(kubectl,
                   "#!/bin/sh\n# kubectl stand-in: two replicas, every other call succeeds silently\n"
                   "case \"$*\" in *' get deployment '*) printf 2 ;; esac\n");
  ::chmod(kubectl.c_str(), 0755);
  scale::k8s::WatchOptions o;
  o.policy.strategy = scale::Strategy::hpa;
  o.policy.cooldown_seconds = 300;
  o.policy.scale_down.stabilization_window_seconds = 0;
  o.policy.deadline_seconds.reset();  // the clock is read once per iteration only
  o.kubectl = kubectl;
  o.max_iterations = 3;
  o.interval_seconds = 0;
  double t = 1e9;
  o.clock = [&] { return std::exchange(t, t + 200); };  // iterations at 0 s, 200 s and 400 s after the start
  const scale::SnapshotSource idle = [] { return scale::QueueSnapshot{}; };  // nothing unfinished
  std::vector<std::string> lines;
  scale::k8s::watch(idle, o, [&](const std::string& line) { lines.push_back(line); });
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find("replicas 2 → 1") != std::string::npos);  // hpa's minimum, not zero: history unknown
  CHECK(lines[0].find("cooldown") == std::string::npos);
  CHECK(lines[1].find("→ 0") == std::string::npos);  // 200 s inactive: within the cooldown
  CHECK(lines[2].find("cooldown: inactive for 400s (cooldown 300s), scaling to zero") != std::string::npos);
}

TEST_CASE("watch: iterations that read nothing (Redis or the stats file away) are not counted as inactivity") {
  test::ScratchDir dir;
  const std::string kubectl = dir / "kubectl";
  test::write_text(
      kubectl, "#!/bin/sh\n# kubectl stand-in: one replica\ncase \"$*\" in *' get deployment '*) printf 1 ;; esac\n");
  ::chmod(kubectl.c_str(), 0755);
  scale::k8s::WatchOptions o;
  o.policy.strategy = scale::Strategy::hpa;
  o.policy.cooldown_seconds = 300;
  o.policy.deadline_seconds.reset();
  o.kubectl = kubectl;
  o.max_iterations = 3;
  o.interval_seconds = 0;
  double t = 1e9;
  o.clock = [&] { return std::exchange(t, t + 200); };  // iterations at 0 s, 200 s and 400 s after the start
  int calls = 0;
  const scale::SnapshotSource flaky = [&] {
    if (++calls == 2) throw core::IoError("stats file 'live.json'", "no such file");
    return scale::QueueSnapshot{};
  };
  std::vector<std::string> lines;
  scale::k8s::watch(flaky, o, [&](const std::string& line) { lines.push_back(line); });
  REQUIRE(lines.size() == 3);
  CHECK(lines[1].find("failed") != std::string::npos);
  // Was: "cooldown: inactive for 400s ..., scaling to zero": the 200 s it could not see counted as idle.
  CHECK_MESSAGE(lines[2].find("scaling to zero") == std::string::npos, lines[2]);
}

TEST_CASE("watch: replicas kubectl prints must be a count: '-2' or '3 4' are refused, not read as -2 or 3") {
  test::ScratchDir dir;
  for (const std::string printed : {"-2", "3 4", "x"}) {
    const std::string kubectl = dir / "kubectl";
    test::write_text(kubectl,
                     "#!/bin/sh\ncase \"$*\" in *' get deployment '*) printf '%s' '" + printed + "' ;; esac\n");
    ::chmod(kubectl.c_str(), 0755);
    scale::k8s::WatchOptions o;
    o.policy.strategy = scale::Strategy::hpa;
    o.kubectl = kubectl;
    o.max_iterations = 1;
    o.interval_seconds = 0;
    const scale::SnapshotSource idle = [] { return scale::QueueSnapshot{}; };
    CHECK_THROWS_WITH_AS(scale::k8s::watch(idle, o, [](const std::string&) {}), doctest::Contains("is not a count"),
                         core::DataError);
  }
}

TEST_CASE("kubectl: a program that does not finish in time is ended") {
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(scale::k8s::run_command({"sh", "-c", "exec sleep 31.25"}, "", 0.5), core::IoError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(std::system("pgrep -f 'slee[p] 31.25' > /dev/null") != 0);
  const auto quick = scale::k8s::run_command({"sh", "-c", "echo done"}, "", 0.5);
  CHECK(quick.exit_code == 0);
  CHECK(quick.out == "done\n");
}
