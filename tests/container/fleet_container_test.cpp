// The fleet in containers (issue 12): a real redis-server on the host's loopback, worker containers of the image
// (--network host, the data directory mounted at its own path, read-only root, uid 10001) take tile and detect
// tasks; one is SIGKILLed mid-task, one stopped with SIGTERM (`stop -t 10`) mid-task. Every task is committed
// exactly once, and every output is byte-identical to what the same fleet run by the host build wrote.
#include <doctest/doctest.h>

#include <unistd.h>

#include <set>

#include "cli/fleet_support.hpp"
#include "container/container_support.hpp"

using namespace swath;
using namespace swath::test::fleet;
using namespace swath::test::container;

namespace {

constexpr int kScenes = 20;  // a tile and a detect task each: 40 tasks

// Enqueues the same 40 tasks on `queue` (the ids depend on kind, inputs, options and output, not the queue).
void enqueue(const test::RedisServer& redis, const test::ScratchDir& dir, const std::string& queue) {
  for (const std::string kind : {"tile", "detect"}) {
    std::vector<std::string> args{"--traceparent", kTrace, "enqueue", "--kind", kind, "--output", dir / ("out/" + kind),
                                  "--redis", redis.url(), "--queue", queue};
    if (kind == "tile") args.insert(args.end(), {"--options", R"({"size":64})"});
    for (int i = 0; i < kScenes; ++i) args.push_back(dir / ("in/s" + std::to_string(i) + ".tif"));
    const auto r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
}

std::vector<std::string> worker_args(const test::RedisServer& redis, const std::string& id, const std::string& root) {
  return {"worker", "--redis", redis.url(), "--queue", "fleet", "--worker-id", id, "--exit-when-empty", "--lease", "5",
          "--concurrency", "1", "--threads", "1", "--grace", "3", "--allow-root", root, "--json"};
}

// True while the worker `id` holds a leased task: it is mid-task.
bool holds_lease(const test::RedisServer& redis, const std::string& id) {
  for (const auto& task : test::lines(redis.cli({"ZRANGE", "swath:{fleet}:leased", "0", "-1"}))) {
    if (redis.cli({"HGET", "swath:{fleet}:task:" + task, "worker"}) == id) return true;
  }
  return false;
}

struct Containers {
  std::vector<std::string> names;
  ~Containers() {
    for (const auto& n : names) (void)engine({"rm", "-f", n});
  }
};

}  // namespace

TEST_CASE("fleet in containers: 3 workers, one SIGKILLed and one stopped mid-task; every task once, outputs as the host build's") {
  const auto& img = image();
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "in");
  for (int seed = 0; seed < 4; ++seed) {
    REQUIRE(test::swath({"synth", "-o", dir / ("base" + std::to_string(seed) + ".tif"), "--kind", "sar", "--size", "1024x1024",
                         "--seed", std::to_string(seed + 1)}).exit_code == 0);
  }
  for (int i = 0; i < kScenes; ++i) fs::create_hard_link(dir / ("base" + std::to_string(i % 4) + ".tif"), dir / ("in/s" + std::to_string(i) + ".tif"));

  // The host build's fleet first, on its own queue; its outputs are then moved aside.
  enqueue(redis, dir, "host");
  auto host = test::swath({"worker", "--redis", redis.url(), "--queue", "host", "--exit-when-empty", "--threads", "1", "--json"},
                          {.timeout = std::chrono::seconds(900)});
  REQUIRE_MESSAGE(host.exit_code == 0, host.err);
  CHECK(core::Json::parse(host.out).at("committed").as_int() == 2 * kScenes);
  fs::rename(dir / "out", dir / "host-out");
  REQUIRE(test::run({"chmod", "-R", "a+rwX", dir.path()}).exit_code == 0);  // the containers write as uid 10001

  enqueue(redis, dir, "fleet");
  Containers containers;
  const std::string prefix = "swath-test-" + std::to_string(::getpid()) + "-";
  const std::vector<std::string> flags{"-d", "--read-only", "-v", dir.path() + ":" + dir.path()};
  // The two victims get a fifth of a core, so that a task of theirs runs for seconds: they are surely mid-task.
  const auto start = [&](const std::string& id, bool slow) {
    std::vector<std::string> f = flags;
    f.insert(f.end(), {"--name", prefix + id});
    if (slow) f.insert(f.end(), {"--cpus", "0.2"});
    const auto r = test::run(run_argv(f, worker_args(redis, id, dir.path())));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    containers.names.push_back(prefix + id);
  };
  start("c1", true);
  start("c2", true);
  start("c3", false);

  wait_until([&] { return holds_lease(redis, "c1"); }, 120);
  REQUIRE(engine({"kill", "--signal", "KILL", prefix + "c1"}).exit_code == 0);
  wait_until([&] { return holds_lease(redis, "c2"); }, 120);
  const auto stopped = engine({"stop", "-t", "10", prefix + "c2"});
  REQUIRE_MESSAGE(stopped.exit_code == 0, stopped.err);
  start("c4", false);  // a replacement, as a Deployment would start one

  const auto exit_code = [&](const std::string& id) {
    const auto r = engine({"wait", prefix + id});
    return r.out.empty() ? -1 : std::stoi(r.out);
  };
  CHECK(exit_code("c1") == 137);  // SIGKILL
  CHECK(exit_code("c2") == 130);  // SIGTERM: the running task finished or handed back within --grace 3
  core::Json summary;  // the worker's --json summary, its last line on stdout
  for (const auto& line : test::lines(engine({"logs", prefix + "c2"}).out)) {
    if (line.rfind("{", 0) == 0 && line.find("\"handed_back\"") != std::string::npos) summary = core::Json::parse(line);
  }
  REQUIRE(summary.is_object());
  CHECK(summary.at("committed").as_int() + summary.at("handed_back").as_int() >= 1);
  CHECK(summary.at("lost").as_int() == 0);
  CHECK(exit_code("c3") == 0);  // they drain the queue, the SIGKILLed worker's task once its lease expired
  CHECK(exit_code("c4") == 0);

  const auto s = core::Json::parse(test::swath({"queue", "stats", "--json", "--redis", redis.url(), "--queue", "fleet"}).out);
  CHECK(s.at("done").as_int() == 2 * kScenes);
  CHECK(s.at("dead").as_int() == 0);
  CHECK(s.at("unfinished").as_int() == 0);
  int not_once = 0, rerun = 0;
  std::set<std::string> workers;
  for (const auto& key : test::lines(redis.cli({"--scan", "--pattern", "swath:{fleet}:task:*"}))) {
    const auto f = test::lines(redis.cli({"HMGET", key, "state", "commits", "worker", "attempt"}));
    if (f.at(0) != "done" || f.at(1) != "1") ++not_once;
    workers.insert(f.at(2));
    if (std::stoi(f.at(3)) >= 2) ++rerun;
  }
  CHECK(not_once == 0);
  CHECK(workers.size() >= 2);
  CHECK(rerun >= 1);  // the SIGKILLed worker's task, leased again once its lease expired
  MESSAGE("image " << img.id << ": tasks done by " << workers.size() << " containers");

  // Byte for byte what the host build wrote, file by file, every file.
  const auto listing = [&](const std::string& sub) {
    return test::run({"sh", "-c", "cd '" + dir / sub + "' && find . -type f | sort | xargs sha256sum"}).out;
  };
  const auto fleet_files = listing("out");
  CHECK(test::lines(fleet_files).size() >= static_cast<std::size_t>(kScenes * (256 + 2 + 1)));
  CHECK(fleet_files == listing("host-out"));
  CHECK(hidden_entries(dir / "out").empty());
}
