// End to end: `scale-plan --watch` against a kubectl stand-in that records its calls. A real Kubernetes API
// server cannot run here (no cluster, no container engine), so the stand-in answers the two reads the
// controller makes (deployment replicas, active jobs) from files and records every call and manifest.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

struct Cluster {
  test::ScratchDir dir;
  std::string kubectl = dir / "kubectl";
  // `jobs`: what `get jobs` prints, one line per Job: "<condition types>|<ready pods>".
  explicit Cluster(int replicas, const std::string& jobs = "", bool broken = false) {
    test::write_text(dir / "replicas", std::to_string(replicas));
    test::write_text(dir / "active", jobs);
    const std::string d = dir.path();
    test::write_text(
        kubectl,
        "#!/usr/bin/env bash\n"
        "# kubectl stand-in: records each call; answers reads from files.\n"
        "echo \"$*\" >> " +
            d + "/calls.log\n" +
            (broken ? "echo 'error: You must be logged in to the server (Unauthorized)' >&2; exit 1\n" : "") +
            "case \"$*\" in\n"
            "  *' get deployment '*) cat " +
            d +
            "/replicas ;;\n"
            "  *' get jobs '*) cat " +
            d +
            "/active ;;\n"
            "  *' scale deployment/'*) n=\"${@: -1}\"; echo -n \"${n#--replicas=}\" > " +
            d +
            "/replicas; echo scaled ;;\n"
            "  *' create -f -'*) cat > \"$(mktemp " +
            d +
            "/job-XXXXXX)\"; echo job created ;;\n"
            "  *) echo \"unexpected call: $*\" >&2; exit 3 ;;\n"
            "esac\n");
    ::chmod(kubectl.c_str(), 0755);
  }
  std::vector<std::string> calls() const {
    return fs::exists(dir / "calls.log") ? test::lines(core::read_file(dir / "calls.log")) : std::vector<std::string>{};
  }
  std::string replicas() const { return core::read_file(dir / "replicas"); }
  std::string stats(long long backlog, long long in_flight = 0) const {
    const std::string path = dir / "stats.json";
    test::write_text(path, "{\"schema\":\"swath.queue.stats/1\",\"queue\":\"scenes\",\"backlog\":" +
                               std::to_string(backlog) + ",\"in_flight\":" + std::to_string(in_flight) +
                               ",\"unfinished\":" + std::to_string(backlog + in_flight) +
                               ",\"workers\":0,\"task_seconds\":{\"p50\":2,\"p95\":4,\"count\":50}}");
    return path;
  }
};

std::vector<std::string> watch_args(const Cluster& c, const std::string& stats, const std::string& strategy) {
  return {"scale-plan", "--stats",    stats,  "--strategy", strategy,  "--watch",     "--max-iterations",
          "2",          "--interval", "0.05", "--kubectl",  c.kubectl, "--namespace", "imagery"};
}

}  // namespace

TEST_CASE("watch: dry-run only reads the cluster and prints what it would run") {
  Cluster c(1);
  const auto r = test::swath(watch_args(c, c.stats(100), "hpa"));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("iteration 1: unfinished 100 (backlog 100, in flight 0), replicas 1 → 5") != std::string::npos);
  CHECK(r.out.find("dry-run, would run: " + c.kubectl + " -n imagery scale deployment/swath-worker --replicas=5") !=
        std::string::npos);
  CHECK(r.out.find("iteration 2:") != std::string::npos);
  for (const auto& call : c.calls())
    CHECK(call == "-n imagery get deployment swath-worker -o jsonpath={.spec.replicas}");
  CHECK(c.calls().size() == 2);
  CHECK(c.replicas() == "1");
}

TEST_CASE("watch --apply: scales the Deployment, then holds once it matches the plan") {
  Cluster c(0);
  const auto r = test::swath([&] {
    auto a = watch_args(c, c.stats(100), "deadline");
    a.push_back("--apply");
    return a;
  }());
  REQUIRE(r.exit_code == 0);
  const auto calls = c.calls();
  REQUIRE(calls.size() == 3);  // get, scale, get (iteration 2 holds)
  CHECK(calls[1] == "-n imagery scale deployment/swath-worker --replicas=1");
  CHECK(c.replicas() == "1");
  CHECK(r.out.find("applied: " + c.kubectl + " -n imagery scale deployment/swath-worker --replicas=1") !=
        std::string::npos);
  CHECK(r.out.find("iteration 2: unfinished 100 (backlog 100, in flight 0), replicas 1 → 1") != std::string::npos);
}

TEST_CASE("watch --apply: hysteresis holds small moves, and going to zero is never held") {
  Cluster c(4);
  test::write_text(
      c.dir / "policy.yaml",
      "target_tasks_per_pod: 10\nhysteresis_replicas: 1\nscale_down:\n  stabilization_window_seconds: 0\n");
  auto args = watch_args(c, c.stats(50), "hpa");  // hpa wants ceil(50 / 10) = 5, one above the 4 running
  args.insert(args.end(), {"--apply", "--policy", c.dir / "policy.yaml"});
  auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("(held: within the hysteresis of 1)") != std::string::npos);
  for (const auto& call : c.calls()) CHECK(call.find(" scale ") == std::string::npos);
  CHECK(c.replicas() == "4");
  // deadline with an empty queue: one pod until a cooldown without work has been seen (never on the first
  // iteration, as KEDA's), then 0, acted on despite the hysteresis
  args = watch_args(c, c.stats(0), "deadline");
  args.push_back("--apply");
  r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  CHECK(c.replicas() == "1");
  CHECK(r.out.find("kept at 1 until 300s without work (cooldown; 0s so far)") != std::string::npos);
  test::write_text(c.dir / "cool.yaml", "cooldown_seconds: 0\n");
  args.insert(args.end(), {"--policy", c.dir / "cool.yaml"});
  r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  CHECK(c.replicas() == "0");
}

TEST_CASE("watch: a dry run shows what --apply would do; the deadline planner's scale-up is never held") {
  Cluster c(2);
  // hpa wants ceil(2 × 500 / (2 × 10)) = 50, 20 at most; the rate allows 2 + max(4, 100%) = 6 per 15 s.
  auto args = watch_args(c, c.stats(500), "hpa");
  auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  // Nothing applied, so each iteration would scale 2 → 6 again (it said "limited to 2" from the second on).
  for (const char* iteration : {"iteration 1: ", "iteration 2: "}) {
    const auto at = r.out.find(iteration);
    REQUIRE(at != std::string::npos);
    CHECK_MESSAGE(r.out.find("replicas 2 → 6", at) == r.out.find("replicas", at), r.out);
  }
  // deadline: 500 tasks of 4 s in 400 s need 6 pods; 4 more than the 2 running is within a hysteresis of 5, but
  // fewer pods miss the deadline: not held.
  test::write_text(c.dir / "tight.yaml", "hysteresis_replicas: 5\ndeadline_seconds: 400\n");
  args = watch_args(c, c.stats(500), "deadline");
  args.insert(args.end(), {"--policy", c.dir / "tight.yaml"});
  r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("(held") == std::string::npos);
  CHECK(r.out.find("replicas 2 → 6: deadline: 6 pods drain 500 tasks") != std::string::npos);
  CHECK(r.out.find("dry-run, would run: ") != std::string::npos);

  // hpa's scale-up 1 → 2 is within the hysteresis of 1, but one pod takes 20 × 300 s, past the 3600 s deadline:
  // was held, with the plan saying the deadline is met (by the 2 pods it did not start).
  Cluster one(1);
  test::write_text(one.dir / "slow.json",
                   R"({"schema":"swath.queue.stats/1","queue":"scenes","backlog":20,"in_flight":0,"unfinished":20,)"
                   R"("workers":1,"task_seconds":{"p50":300,"p95":300,"count":50}})");
  args = watch_args(one, one.dir / "slow.json", "hpa");
  r = test::swath(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(r.out.find("replicas 1 → 2") != std::string::npos, r.out);
  CHECK(r.out.find("(held") == std::string::npos);
  CHECK(r.out.find("scale deployment/swath-worker --replicas=2") != std::string::npos);

  // Past the deadline, 4 → 5 (max replicas) is within the hysteresis of 1: not held, whatever the strategy (the
  // deadline strategy's was held by this change's first version).
  Cluster four(4);
  test::write_text(four.dir / "past.yaml", "max_replicas: 5\ndeadline_at: 2020-01-01T00:00:00Z\n");
  for (const std::string strategy : {"deadline", "hpa"}) {
    CAPTURE(strategy);
    args = watch_args(four, four.stats(500), strategy);
    args.insert(args.end(), {"--policy", four.dir / "past.yaml"});
    r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK_MESSAGE(r.out.find("replicas 4 → 5") != std::string::npos, r.out);
    CHECK(r.out.find("(held") == std::string::npos);
  }
}

TEST_CASE("watch --apply: tasks in flight with none waiting do not scale the Deployment to zero") {
  // Just after enqueue, the one worker pod has leased all 5 tasks: the ready list is empty, the work is not.
  Cluster c(1);
  auto args = watch_args(c, c.stats(0, 5), "hpa");
  args.push_back("--apply");
  const auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("iteration 1: unfinished 5 (backlog 0, in flight 5), replicas 1 → 1") != std::string::npos);
  CHECK(r.out.find("cooldown") == std::string::npos);
  for (const auto& call : c.calls()) CHECK(call.find(" scale ") == std::string::npos);
  CHECK(c.replicas() == "1");
}

TEST_CASE("watch --apply with a ScaledJob strategy creates one Job per new job, as KEDA does") {
  Cluster c(0, "Complete|\n|1\n|\n");  // one finished, one running, one whose pod is not ready: 2 unfinished
  auto args = watch_args(c, c.stats(30), "scaledjob-default");
  args[7] = "1";  // --max-iterations 1
  args.push_back("--apply");
  const auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  // default strategy: maxScale = ceil(30 / 10) = 3, running 2 → 1 new job
  const auto calls = c.calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] ==
        "-n imagery get jobs -l app.kubernetes.io/instance=swath,app.kubernetes.io/component=worker -o "
        "jsonpath={range .items[*]}{.status.conditions[*].type}|{.status.ready}{\"\\n\"}{end}");
  CHECK(calls[1] == "-n imagery create -f -");
  CHECK(r.out.find("running 2, pending 1 → 1 new job(s)") != std::string::npos);
  int manifests = 0;
  for (const auto& entry : fs::directory_iterator(c.dir.path())) {
    if (entry.path().filename().string().rfind("job-", 0) != 0) continue;
    ++manifests;
    const std::string job = core::read_file(entry.path().string());
    CHECK(job.find("generateName: swath-worker-") != std::string::npos);
    CHECK(job.find("--exit-when-empty") != std::string::npos);
    CHECK(job.find("parallelism: 1") != std::string::npos);
    // The stats file's queue: was the manifests' default ("tiles"), so the Jobs drained another queue.
    CHECK_MESSAGE(job.find("- scenes\n") != std::string::npos, job);
    CHECK(job.find("tiles") == std::string::npos);
  }
  CHECK(manifests == 1);
}

TEST_CASE("watch: kubectl failing or Redis unreachable on the first iteration is a clear error, exit 1") {
  Cluster c(1, "", true);
  auto r = test::swath(watch_args(c, c.stats(10), "hpa"));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("exit code 1: error: You must be logged in to the server (Unauthorized) (hint:") !=
        std::string::npos);
  // --json: a script reading stdout gets the failed iteration too.
  auto args = watch_args(c, c.stats(10), "hpa");
  args.push_back("--json");
  r = test::swath(args);
  CHECK(r.exit_code == 1);
  const auto failed = core::Json::parse(r.out);
  CHECK(failed.at("iteration").as_int() == 1);
  CHECK(failed.at("failed").as_string().find("(Unauthorized) (hint:") != std::string::npos);
  Cluster ok(1);
  r = test::swath({"scale-plan", "--redis", "redis://127.0.0.1:1", "--queue", "tiles", "--watch", "--max-iterations",
                   "1", "--kubectl", ok.kubectl});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot connect to Redis at redis://127.0.0.1:1") != std::string::npos);
  CHECK(ok.calls().empty());
}

TEST_CASE("watch: SIGTERM stops the loop between iterations, exit 130") {
  Cluster c(1);
  auto args = watch_args(c, c.stats(10), "hpa");
  args[7] = "0";   // --max-iterations 0: until signalled
  args[9] = "30";  // --interval 30: the signal arrives while it sleeps
  args.insert(args.begin(), SWATH_BINARY);
  test::Background watch(args);
  for (int i = 0; i < 200 && c.calls().empty(); ++i) ::usleep(20000);
  REQUIRE_FALSE(c.calls().empty());
  watch.signal(SIGTERM);
  const auto r = watch.wait();
  CHECK(r.exit_code == 130);
  CHECK(r.out.find("iteration 1: ") != std::string::npos);
  CHECK(r.out.find("iteration 2: ") == std::string::npos);
  CHECK_MESSAGE(r.err.find("watch interrupted after 1 iteration(s)") != std::string::npos, r.err);
  // With --json, stopped before its first iteration's object: a swath.error/1 document, as every command's.
  args.push_back("--json");
  const std::string slow = c.dir / "slow-kubectl";
  test::write_text(slow, "#!/bin/sh\nexec sleep 30\n");
  fs::permissions(slow, fs::perms::owner_all);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--kubectl") args[i + 1] = slow;
  }
  test::Background json_watch(args);
  json_watch.wait_until_catching(SIGINT);
  ::usleep(500000);  // now in its first kubectl call
  json_watch.signal(SIGINT);
  const auto j = json_watch.wait();
  CHECK(j.exit_code == 130);
  CHECK_MESSAGE(j.out.find("\"schema\":\"swath.error/1\"") != std::string::npos, std::string(j.out + j.err));
  CHECK(j.out.find("\"kind\":\"interrupted\"") != std::string::npos);
}

TEST_CASE("watch --json: one swath.scale.watch/1 object per iteration, with the plan and the kubectl argv") {
  Cluster c(1);
  auto args = watch_args(c, c.stats(100), "hpa");
  args.push_back("--json");
  const auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  const auto lines = test::lines(r.out);
  REQUIRE(lines.size() == 2);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto json = core::Json::parse(lines[i]);
    CHECK(json.at("schema").as_string() == "swath.scale.watch/1");
    CHECK(json.at("iteration").as_int() == static_cast<std::int64_t>(i + 1));
    CHECK(json.at("plan").at("schema").as_string() == "swath.scale.plan/1");
    CHECK_FALSE(json.at("applied").as_bool());
  }
  const auto first = core::Json::parse(lines[0]);
  CHECK(first.at("plan").at("desired_replicas").as_int() == 5);
  REQUIRE(first.at("commands").as_array().size() == 1);
  CHECK(first.at("commands").as_array()[0].as_array().back().as_string() == "--replicas=5");
}
