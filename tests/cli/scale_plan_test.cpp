// End to end: `swath scale-plan` plans from a stats file, and every bad input of the issue is refused clearly.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// The text of a swath.queue.stats/1 file. `unfinished` < 0: stats written before the queue counted unfinished tasks
// (no such key).
std::string queue_stats(long long backlog, long long in_flight, long long workers, double p95, long long count = 240,
                        long long unfinished = -1) {
  return "{\"schema\":\"swath.queue.stats/1\",\"queue\":\"tiles\",\"depth\":" + std::to_string(backlog) +
         (unfinished >= 0 ? ",\"unfinished\":" + std::to_string(unfinished) : std::string()) +
         ",\"depth_by_priority\":{\"high\":0,\"normal\":" + std::to_string(backlog) +
         ",\"low\":0},\"in_flight\":" + std::to_string(in_flight) +
         ",\"delayed\":0,\"dead\":0,\"done\":10,\"backlog\":" + std::to_string(backlog) +
         ",\"workers\":" + std::to_string(workers) +
         ",\"throughput_per_second\":1.5,\"task_seconds\":{\"p50\":2,\"p95\":" + std::to_string(p95) +
         ",\"count\":" + std::to_string(count) + "},\"window_seconds\":300}";
}

struct Fixture {
  test::ScratchDir dir;
  std::string stats = dir / "stats.json";
  std::string policy = dir / "policy.yaml";
  Fixture(const std::string& stats_text, const std::string& policy_text) {
    test::write_text(stats, stats_text);
    test::write_text(policy, policy_text);
  }
};

}  // namespace

TEST_CASE("scale-plan: deadline strategy from a stats file, as JSON") {
  // 100 tasks of 4 s (p95), 45 s start-up, 245 s left: a new pod does 50 → 2 pods.
  Fixture f(queue_stats(98, 2, 0, 4),
            "strategy: deadline\ndeadline_seconds: 245\npod_startup_seconds: 45\nmax_replicas: 10\n");
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--json"});
  REQUIRE(r.exit_code == 0);
  const auto plan = core::Json::parse(r.out);
  CHECK(plan.at("schema").as_string() == "swath.scale.plan/1");
  CHECK(plan.at("desired_replicas").as_int() == 2);
  CHECK(plan.at("action").as_string() == "scale-up");
  CHECK(plan.at("reason").as_string().find("2 pods drain 100 tasks") != std::string::npos);
  CHECK(plan.at("predicted_drain_seconds").as_double() == doctest::Approx(245).epsilon(0.01));
  CHECK(plan.at("predicted_cost").as_double() > 0);
  CHECK(plan.at("deadline").at("met").as_bool());
  CHECK(plan.at("inputs").at("task_seconds_source").as_string() == "queue");
  CHECK(plan.at("provenance").at("options_hash").as_string().rfind("sha256:", 0) == 0);
  // The same inputs give the same bytes.
  CHECK(test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--json"}).out == r.out);
}

TEST_CASE("scale-plan: --strategy overrides the policy; ScaledJob strategies report new jobs") {
  Fixture f(queue_stats(10, 0, 1, 4), "max_replicas: 3\ntarget_tasks_per_pod: 1\n");
  const auto r = test::swath(
      {"scale-plan", "--stats", f.stats, "--policy", f.policy, "--strategy", "scaledjob-default", "--json"});
  REQUIRE(r.exit_code == 0);
  const auto plan = core::Json::parse(r.out);
  CHECK(plan.at("strategy").as_string() == "scaledjob-default");
  CHECK(plan.at("new_jobs").as_int() == 2);  // KEDA's table: queue 10, max 3, target 1, running 1 → 2
  CHECK(plan.at("action").as_string() == "create-jobs");
  // Environment layer: SWATH_SCALE__STRATEGY
  const auto e = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--json"},
                             {.env = {{"SWATH_SCALE__STRATEGY", "hpa"}}});
  CHECK(core::Json::parse(e.out).at("strategy").as_string() == "hpa");
}

TEST_CASE("scale-plan: --pending-jobs counts among the running jobs, as KEDA and --watch count them") {
  // 3 live workers, 17 jobs pending, max 20: every strategy has 20 unfinished jobs, none to create (was: default
  // and accurate planned 17 more, 37 against a maximum of 20, and eager none).
  Fixture f(queue_stats(1204, 3, 3, 4), "max_replicas: 20\ntarget_tasks_per_pod: 10\n");
  for (const std::string strategy : {"scaledjob-default", "scaledjob-accurate", "scaledjob-eager"}) {
    CAPTURE(strategy);
    const auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--strategy", strategy,
                                "--pending-jobs", "17", "--json"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(core::Json::parse(r.out).at("new_jobs").as_int() == 0);
  }
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--strategy", "scaledjob-default",
                              "--pending-jobs", "17", "--current-replicas", "3"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--pending-jobs 17: more than --current-replicas 3") != std::string::npos, r.err);
}

TEST_CASE("scale-plan: without measured task times the policy's p95 is used, with a warning") {
  Fixture f(queue_stats(10, 0, 0, 0, 0), "task_seconds:\n  p95: 7\n");
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("at 7s p95 (policy)") != std::string::npos);
  CHECK(r.out.find("no measured task times") != std::string::npos);
}

TEST_CASE("scale-plan: a deadline that cannot be met warns and asks for max replicas") {
  Fixture f(queue_stats(5000, 0, 0, 4), "deadline_seconds: 600\nmax_replicas: 5\n");
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--json"});
  REQUIRE(r.exit_code == 0);
  const auto plan = core::Json::parse(r.out);
  CHECK(plan.at("desired_replicas").as_int() == 5);
  CHECK(plan.at("reason").as_string().find("deadline cannot be met") != std::string::npos);
  CHECK_FALSE(plan.at("deadline").at("met").as_bool());
  CHECK(plan.at("warnings").dump().find("the deadline will be missed") != std::string::npos);
}

TEST_CASE("scale-plan: a deadline already past says so and recommends max replicas") {
  Fixture f(queue_stats(50, 1, 2, 4), "deadline_at: 2026-11-25T18:00:00Z\nmax_replicas: 12\n");
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--now", "2026-11-25T18:05:00Z"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("replicas   2 → 12 (scale-up)") != std::string::npos);
  CHECK(r.out.find("the deadline passed 300s ago: recommending max replicas (12)") != std::string::npos);
  CHECK(r.out.find("deadline   -300s left, already past") != std::string::npos);
  // Every strategy is overridden by a past deadline.
  const auto j = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--now", "2026-11-25T18:05:00Z",
                              "--strategy", "scaledjob-eager", "--json"});
  const auto plan = core::Json::parse(j.out);
  CHECK(plan.at("deadline").at("past").as_bool());
  CHECK(plan.at("new_jobs").as_int() == 10);
}

TEST_CASE("scale-plan: bad policies exit 2 naming file, line, key and value") {
  struct Case {
    std::string yaml, expected;
  };
  const Case cases[] = {
      {"min_replicas: 5\nmax_replicas: 2\n", "policy.yaml:1: key 'min_replicas': '5' is greater than max_replicas '2'"},
      {"strategy: hpa\ntarget_tasks_per_pod: -3\n", "policy.yaml:2: key 'target_tasks_per_pod': '-3' is out of range"},
      {"strategy: fastest\n", "policy.yaml:1: unknown strategy 'fastest': expected one of hpa, scaledjob-default"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    Fixture f(queue_stats(10, 0, 0, 4), c.yaml);
    const auto r =
        test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--emit", "all", "-o", f.dir / "k8s"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("swath scale-plan: file " + f.dir.path() + "/", 0) == 0);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(fs::exists(f.dir / "k8s"));  // nothing partial written
  }
  // A policy that is not there is a usage error like a missing --config (was exit 1, an I/O failure).
  Fixture f(queue_stats(10, 0, 0, 4), "");
  auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.dir / "absent.yaml"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "swath scale-plan: policy file '" + (f.dir / "absent.yaml") +
                     "': no such file (hint: check the path given by --policy)\n");
  r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.dir.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("': it is a directory (hint: give a YAML file to --policy)") != std::string::npos);
}

TEST_CASE("scale-plan: unknown --strategy flag exits 2 with a suggestion") {
  Fixture f(queue_stats(10, 0, 0, 4), "");
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--strategy", "dedline"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("flag --strategy: unknown strategy 'dedline'") != std::string::npos);
  CHECK(r.err.find("did you mean 'deadline'?") != std::string::npos);
}

TEST_CASE("scale-plan: a flag of another mode is refused, not ignored (exit 2)") {
  Fixture f(queue_stats(10, 0, 0, 4), "");
  // The queue section's URL is not this command's: a bad one in the environment is not read.
  const auto unused = test::swath({"scale-plan", "--stats", f.stats}, {.env = {{"SWATH_QUEUE__REDIS", "bogus"}}});
  CHECK_MESSAGE(unused.exit_code == 0, unused.err);
  CHECK(test::swath({"queue", "stats"}, {.env = {{"SWATH_QUEUE__REDIS", "bogus"}}})
            .err.find("bad Redis URL in env SWATH_QUEUE__REDIS") != std::string::npos);
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--watch", "--emit", "all", "-o", "k8s"}, "--emit with --watch"},
      {{"--simulate", "trace.csv", "--watch"}, "--simulate: replays a trace offline"},
      {{"--max-iterations", "2"}, "--max-iterations: only applies with --watch"},
      {{"--interval", "5"}, "--interval: only applies with --watch"},
      {{"--seed", "7"}, "--seed: only applies with --simulate"},
      {{"--image", "swath:1"}, "--image: shapes the manifests of --emit"},
      {{"-o", "k8s"}, "-o: is the directory of --emit"},
      {{"--watch", "--current-replicas", "3"}, "--current-replicas: --watch reads the replicas and jobs from kubectl"},
      {{"--watch", "--now", "0"}, "--now: --watch reads"},
      {{"--simulate", "trace.csv", "--pending-jobs", "2"}, "--pending-jobs: --simulate replays its trace"},
      // Each was accepted and did nothing (tester).
      {{"--strategy", "hpa", "--pending-jobs", "2"}, "--pending-jobs: counts a ScaledJob strategy's jobs; hpa scales"},
      {{"--emit", "keda", "-o", f.dir / "k8s", "--shards", "4"}, "--shards: shapes the Indexed Job only"},
      {{"--emit", "job", "-o", f.dir / "k8s", "--scene", "/data/a.tif"}, "--scene: shapes the Indexed Job only"},
      {{"--redis-password-file", f.policy}, "--redis-password-file: only applies to reading a queue from Redis"},
      {{"--simulate", "trace.csv", "--allow-eviction"}, "--allow-eviction: only applies to reading a queue from Redis"},
      {{"--watch", "--strategy", "hpa", "--image", "x:1", "--kubectl", "/bin/true", "--max-iterations", "1"},
       "--image: --watch with hpa only scales the Deployment"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args{"scale-plan", "--stats", f.stats};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
  }
  CHECK_FALSE(fs::exists(f.dir / "k8s"));
  // A stats file names its queue; the environment's queue.name is another queue's. Was: the Job drained "scenes".
  const auto r = test::swath({"scale-plan", "--stats", f.stats, "--emit", "job", "-o", f.dir / "jobs"},
                             {.env = {{"SWATH_QUEUE__NAME", "scenes"}}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto job = core::read_file(f.dir / "jobs/worker-job.yaml");
  CHECK(job.find("scenes") == std::string::npos);
  CHECK(job.find("- tiles\n") != std::string::npos);
}

TEST_CASE("scale-plan: bad stats files and missing inputs") {
  test::ScratchDir dir;
  test::write_text(dir / "wrong.json", "{\"schema\":\"something/1\",\"backlog\":3}");
  test::write_text(dir / "negative.json", "{\"schema\":\"swath.queue.stats/1\",\"backlog\":-3,\"in_flight\":0}");
  auto r = test::swath({"scale-plan", "--stats", dir / "wrong.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not queue stats: schema is \"something/1\"") != std::string::npos);
  r = test::swath({"scale-plan", "--stats", dir / "negative.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("'backlog' is negative (-3)") != std::string::npos);
  test::write_text(dir / "fraction.json", "{\"schema\":\"swath.queue.stats/1\",\"backlog\":3.7,\"in_flight\":0}");
  r = test::swath({"scale-plan", "--stats", dir / "fraction.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("'backlog' is not a whole number (3.7)") != std::string::npos);
  test::write_text(dir / "whole.json", "{\"schema\":\"swath.queue.stats/1\",\"backlog\":3.0,\"in_flight\":0}");
  CHECK(test::swath({"scale-plan", "--stats", dir / "whole.json"}).exit_code == 0);
  r = test::swath({"scale-plan", "--stats", dir / "absent.json"});
  CHECK(r.exit_code == 1);
  r = test::swath({"scale-plan"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("neither --stats nor --redis was given") != std::string::npos);
  r = test::swath({"scale-plan", "--redis", "redis://127.0.0.1:6379"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--redis: needs --queue NAME") != std::string::npos);
  r = test::swath({"scale-plan", "--redis", "http://x", "--queue", "q"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad --redis URL: it must start with redis:// or unix://") != std::string::npos);
  r = test::swath({"scale-plan", "--stats", dir / "wrong.json", "--apply"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--apply: only applies with --watch") != std::string::npos);
}

TEST_CASE("scale-plan: Redis unreachable is a clear error, exit 1") {
  const int port = test::free_port();
  const std::string url = "redis://127.0.0.1:" + std::to_string(port);
  const auto r = test::swath({"scale-plan", "--redis", url, "--queue", "tiles"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.rfind("swath scale-plan: cannot connect to Redis at " + url + "/0: Connection refused", 0) == 0);
  CHECK(r.err.find("is redis-server running") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("scale-plan: --redis plans for a queued job's deadline: its tasks started by then") {
  test::RedisServer redis;
  test::ScratchDir dir;
  for (int i = 0; i < 500; ++i) test::write_text(dir / ("in/" + std::to_string(i) + ".txt"), std::to_string(i));
  const auto enqueue = [&](const std::string& queue, std::vector<std::string> more) {
    std::vector<std::string> args{"enqueue", "--redis", redis.url(),      "--queue",  queue,
                                  "--kind",  "noop",    dir / "in/*.txt", "--output", dir / ("out-" + queue)};
    args.insert(args.end(), more.begin(), more.end());
    const auto r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  };
  enqueue("soon", {"--deadline", "60"});  // tasks not started within a minute expire
  enqueue("later", {});
  auto r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "soon", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto stats = core::Json::parse(r.out);
  const double left = stats.at("seconds_to_earliest_deadline").as_double();
  CHECK(left > 30);
  CHECK(left <= 60);
  CHECK(stats.at("earliest_deadline").is_int());
  r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "later", "--json"});
  CHECK(core::Json::parse(r.out).at("earliest_deadline").is_null());

  CHECK(stats.at("deadline_unfinished").as_int() == 500);

  // Was: "deadline 3600s left, met" with 1 pod, while every task expired a minute later.
  const auto plan_of = [&](const std::string& queue) {
    const auto p = test::swath({"scale-plan", "--redis", redis.url(), "--queue", queue, "--json"});
    REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    return core::Json::parse(p.out);
  };
  const auto soon = plan_of("soon");
  CHECK(soon.at("job_deadline").at("seconds_left").as_double() <= 60);
  CHECK(soon.at("job_deadline").at("tasks").as_double() == 500);
  const auto later = plan_of("later");
  CHECK(later.at("job_deadline").is_null());
  CHECK(soon.at("desired_replicas").as_int() > later.at("desired_replicas").as_int());
  r = test::swath({"scale-plan", "--redis", redis.url(), "--queue", "soon"});
  CHECK(r.out.find("job due    in ") != std::string::npos);

  // A job whose tasks are all done leaves the deadlines the stats read (many finished jobs hid a live one's).
  CHECK(redis.cli({"ZCARD", "swath:{soon}:deadlines"}) == "1");
  r = test::swath({"worker", "--redis", redis.url(), "--queue", "soon", "--exit-when-empty"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(redis.cli({"ZCARD", "swath:{soon}:deadlines"}) == "0");
  r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "soon", "--json"});
  CHECK(core::Json::parse(r.out).at("earliest_deadline").is_null());
}

TEST_CASE("scale-plan: --redis reads the queue's backlog from a real Redis") {
  test::RedisServer redis;
  test::ScratchDir dir;
  for (int i = 0; i < 30; ++i) test::write_text(dir / ("in/" + std::to_string(i) + ".txt"), std::to_string(i));
  auto r = test::swath({"enqueue", "--redis", redis.url(), "--queue", "tiles", "--kind", "noop", dir / "in/*.txt",
                        "--output", dir / "out"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(
      {"scale-plan", "--redis", redis.url(), "--queue", "tiles", "--strategy", "scaledjob-default", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto plan = core::Json::parse(r.out);
  CHECK(plan.dump().find("\"backlog\":30") != std::string::npos);
  CHECK(plan.at("desired_replicas").as_int() > 0);
  // The queue section from the environment (or a config file), as enqueue, worker and queue read it.
  r = test::swath({"scale-plan", "--strategy", "scaledjob-default", "--json"},
                  {.env = {{"SWATH_QUEUE__REDIS", redis.url()}, {"SWATH_QUEUE__NAME", "tiles"}}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).dump().find("\"backlog\":30") != std::string::npos);
}

TEST_CASE("scale-plan: every strategy counts running work, so a plan never scales in under leased tasks") {
  // 1 s after enqueue: every task leased, none waiting. Stats without "unfinished" (older ones) count
  // backlog + in flight + delayed; newer ones carry the queue's own count.
  for (const auto& stats : {queue_stats(0, 5, 1, 4), queue_stats(0, 5, 1, 4, 240, 5)}) {
    CAPTURE(stats);
    Fixture f(stats, "target_tasks_per_pod: 1\n");
    auto r = test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--strategy", "hpa", "--json"});
    REQUIRE(r.exit_code == 0);
    auto plan = core::Json::parse(r.out);
    CHECK(plan.at("inputs").at("unfinished").as_int() == 5);
    CHECK(plan.at("desired_replicas").as_int() == 5);  // ceil(5 unfinished / 1 per pod), not "cooldown → 0"
    CHECK(plan.at("reason").as_string().find("cooldown") == std::string::npos);
  }
  // Five pods each running one of the five tasks: fewer would meet the target (ceil(5 / 10) = 1) and the
  // deadline, but scaling in now would interrupt them.
  Fixture f(queue_stats(0, 5, 5, 4), "target_tasks_per_pod: 10\nscale_down:\n  stabilization_window_seconds: 0\n");
  for (const std::string strategy : {"hpa", "deadline"}) {
    CAPTURE(strategy);
    const auto r =
        test::swath({"scale-plan", "--stats", f.stats, "--policy", f.policy, "--strategy", strategy, "--json"});
    REQUIRE(r.exit_code == 0);
    const auto plan = core::Json::parse(r.out);
    CHECK(plan.at("desired_replicas").as_int() == 5);
    CHECK(plan.at("reason").as_string().find("kept at 5: pods running leased tasks are not scaled in") !=
          std::string::npos);
  }
  // Once only two tasks run, the other three pods may go.
  Fixture two(queue_stats(0, 2, 5, 4), "target_tasks_per_pod: 10\nscale_down:\n  stabilization_window_seconds: 0\n");
  const auto r =
      test::swath({"scale-plan", "--stats", two.stats, "--policy", two.policy, "--strategy", "deadline", "--json"});
  CHECK(core::Json::parse(r.out).at("desired_replicas").as_int() == 2);
}

TEST_CASE("scale-plan: ScaledJob strategies take the unfinished count as KEDA's queue length") {
  // KEDA's default strategy creates maxScale - running jobs, so its queue length must count the running
  // tasks too: 5 running + 7 waiting, target 1, 5 jobs running → 7 new jobs, one per waiting task.
  Fixture f(queue_stats(7, 5, 5, 4, 240, 12), "target_tasks_per_pod: 1\n");
  const auto r = test::swath(
      {"scale-plan", "--stats", f.stats, "--policy", f.policy, "--strategy", "scaledjob-default", "--json"});
  REQUIRE(r.exit_code == 0);
  const auto plan = core::Json::parse(r.out);
  CHECK(plan.at("new_jobs").as_int() == 7);
  CHECK(plan.at("reason").as_string().find("maxScale = min(20, ceil(12 / 1)) = 12, running 5") != std::string::npos);
}
