// End to end: `scale-plan --simulate` replays a trace against every strategy, plots SVG, refuses bad traces.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {
const std::string kPolicy =
    "max_replicas: 6\ndeadline_seconds: 500\npod_startup_seconds: 20\npolling_interval_seconds: 10\ncooldown_seconds: 60\n";
}

TEST_CASE("scale-plan --simulate: a table of every strategy and the hindsight optimum, and an SVG plot") {
  test::ScratchDir dir;
  test::write_text(dir / "trace.csv", "time,tasks\n0,40\n120,10\n200,60\n");
  test::write_text(dir / "policy.yaml", kPolicy);
  const auto r = test::swath(
      {"scale-plan", "--simulate", dir / "trace.csv", "--policy", dir / "policy.yaml", "--plot", dir / "plot.svg"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("110 tasks (", 0) == 0);
  CHECK(r.out.find(" task-seconds), deadline 500s\n") != std::string::npos);
  for (const char* name :
       {"hpa", "scaledjob-default", "scaledjob-accurate", "scaledjob-eager", "deadline", "hindsight-optimum"}) {
    CAPTURE(name);
    CHECK(r.out.find(std::string("\n") + name + " ") != std::string::npos);
  }
  const std::string svg = core::read_file(dir / "plot.svg");
  CHECK(svg.find(">scaledjob-eager</text>") != std::string::npos);
  CHECK(svg.find("<polyline") != std::string::npos);

  const auto j =
      test::swath({"scale-plan", "--simulate", dir / "trace.csv", "--policy", dir / "policy.yaml", "--json"});
  REQUIRE(j.exit_code == 0);
  const auto json = core::Json::parse(j.out);
  CHECK(json.at("schema").as_string() == "swath.scale.simulation/1");
  const double busy = json.at("task_seconds_total").as_double();
  CHECK(busy > 110 * 0.5);
  for (const auto& s : json.at("strategies").as_array()) {
    CHECK(s.at("finished").as_bool());
    CHECK(s.at("pod_seconds").as_double() >= busy);  // pods are paid at least while they work
  }
  CHECK(json.at("hindsight_optimum").at("deadline_misses").as_int() == 0);
}

TEST_CASE("scale-plan --simulate: unsorted or negative times exit 2 naming the line, no plot written") {
  test::ScratchDir dir;
  test::write_text(dir / "unsorted.csv", "time,tasks\n0,4\n60,2\n30,1\n");
  test::write_text(dir / "negative.csv", "time,tasks\n-1,4\n");
  auto r = test::swath({"scale-plan", "--simulate", dir / "unsorted.csv", "--plot", dir / "plot.svg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("swath scale-plan: " + dir / "unsorted.csv:4: time 30 is before the previous line's time", 0) == 0);
  CHECK(r.out.empty());
  r = test::swath({"scale-plan", "--simulate", dir / "negative.csv", "--plot", dir / "plot.svg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("swath scale-plan: " + dir / "negative.csv:2: negative time -1", 0) == 0);
  CHECK_FALSE(fs::exists(dir / "plot.svg"));
  r = test::swath({"scale-plan", "--stats", dir / "x.json", "--plot", dir / "plot.svg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--plot: only applies with --simulate") != std::string::npos);
  // An SVG under a PNG's name (was: written there as it was).
  r = test::swath({"scale-plan", "--simulate", dir / "negative.csv", "--plot", dir / "plot.png"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("give it a .svg name, e.g. " + dir / "plot.svg") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "plot.png"));
}

TEST_CASE("scale-plan --simulate: flags it would ignore (a queue, one strategy, kubectl) are refused, exit 2") {
  test::ScratchDir dir;
  test::write_text(dir / "trace.csv", "time,tasks\n0,4\n");
  struct Case {
    std::vector<std::string> flags;
    std::string expected;
  };
  for (const auto& c : {Case{{"--redis", "redis://127.0.0.1:1"}, "--redis: --simulate replays its trace offline"},
                        Case{{"--queue", "q"}, "--queue: --simulate replays its trace offline"},
                        Case{{"--strategy", "hpa"}, "--strategy: --simulate replays its trace offline against every"},
                        Case{{"--kubectl", "/bin/false"}, "--kubectl: only applies with --watch"}}) {
    CAPTURE(c.expected);
    std::vector<std::string> args{"scale-plan", "--simulate", dir / "trace.csv"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(c.expected) != std::string::npos, r.err);
    CHECK(r.out.empty());
  }
}

TEST_CASE("scale-plan --simulate: the shipped traces parse and every strategy finishes them") {
  for (const char* name : {"bursty.csv", "steady.csv", "ramp.csv"}) {
    CAPTURE(name);
    const auto r = test::swath({"scale-plan", "--simulate", std::string(SWATH_SOURCE_DIR) + "/examples/traces/" + name,
                                "--policy", std::string(SWATH_SOURCE_DIR) + "/configs/scaling.yaml", "--json"});
    REQUIRE(r.exit_code == 0);
    const auto json = core::Json::parse(r.out);
    for (const auto& s : json.at("strategies").as_array()) CHECK(s.at("finished").as_bool());
  }
}

TEST_CASE("scale-plan --simulate --seed: same seed, same bytes; another seed, other task times") {
  test::ScratchDir dir;
  test::write_text(dir / "trace.csv", "0,30\n60,30\n");
  test::write_text(dir / "policy.yaml", kPolicy);
  auto run = [&](const char* seed) {
    return test::swath({"scale-plan", "--simulate", dir / "trace.csv", "--policy", dir / "policy.yaml", "--seed", seed,
                        "--json"})
        .out;
  };
  const auto a = run("1");
  CHECK(a == run("1"));
  CHECK(core::Json::parse(a).at("task_seconds_total").as_double() !=
        core::Json::parse(run("2")).at("task_seconds_total").as_double());
}

TEST_CASE("scale-plan --simulate: SIGINT stops a long simulation, exit 130, no plot written") {
  test::ScratchDir dir;
  test::write_text(dir / "long.csv", "time,tasks\n0,3000000\n");  // seconds of simulation per strategy
  test::Background run(
      {SWATH_BINARY, "--log-level", "debug", "scale-plan", "--simulate", dir / "long.csv", "--plot", dir / "plot.svg"},
      {.unset_env = {"SWATH_CONFIG"}});
  // The runner logs "starting" once its signal handlers are in place (a slow start under ASan takes a while).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (run.err_so_far().find("scale-plan starting") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(run.running());
  run.signal(SIGINT);
  const auto r = run.wait();
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("simulation interrupted") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "plot.svg"));
}

TEST_CASE("scale-plan: an output over an input (the plot, a manifest; by name or through a link) is refused, exit 2") {
  test::ScratchDir dir;
  const std::string trace = "time,tasks\n0,4\n60,2\n";
  const std::string stats = R"({"schema":"swath.queue.stats/1","queue":"x","backlog":20,"in_flight":0,)"
                            R"("unfinished":20,"workers":1,"task_seconds":{"p50":3,"p95":4,"count":50}})";
  test::write_text(dir / "trace.svg", trace);
  test::write_text(dir / "stats.svg", stats);
  test::write_text(dir / "policy.svg", kPolicy);
  test::write_text(dir / "trace.csv", trace);
  fs::create_symlink(dir / "trace.csv", dir / "link.svg");
  // Was: each replaced by the SVG, exit 0.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--simulate", dir / "trace.svg", "--plot", dir / "trace.svg"},
           {"--simulate", dir / "trace.csv", "--stats", dir / "stats.svg", "--plot", dir / "stats.svg"},
           {"--simulate", dir / "trace.csv", "--policy", dir / "policy.svg", "--plot", dir / "policy.svg"},
           {"--simulate", dir / "trace.csv", "--plot", dir / "link.svg"}}) {
    std::vector<std::string> argv{"scale-plan"};
    argv.insert(argv.end(), args.begin(), args.end());
    CAPTURE(args.back());
    const auto r = test::swath(argv);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("it is also an input") != std::string::npos, r.err);
  }
  CHECK(core::read_file(dir / "trace.svg") == trace);
  CHECK(core::read_file(dir / "stats.svg") == stats);
  CHECK(core::read_file(dir / "trace.csv") == trace);
  CHECK(fs::is_symlink(dir / "link.svg"));
  // A manifest named like the stats file it plans from.
  fs::create_directories(dir / "k8s");
  test::write_text(dir / "k8s/scaledjob.yaml", stats);
  const auto r =
      test::swath({"scale-plan", "--stats", dir / "k8s/scaledjob.yaml", "--emit", "all", "-o", dir / "k8s/"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("-o '" + dir / "k8s/scaledjob.yaml': it is also an input") != std::string::npos, r.err);
  CHECK(core::read_file(dir / "k8s/scaledjob.yaml") == stats);
  CHECK_FALSE(fs::exists(dir / "k8s/worker-job.yaml"));  // nothing written
}
