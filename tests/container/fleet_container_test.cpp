// The fleet in containers (issue 12): a real redis-server on the host's loopback, worker containers of the image
// (--network host, the data directory mounted at its own path, read-only root, uid 10001) take tile and detect
// tasks; one is SIGKILLed mid-task, one stopped with SIGTERM (`stop -t 10`) mid-task. Every task is committed
// exactly once, and every output is byte-identical to what the same fleet run by the host build wrote.
#include <doctest/doctest.h>

#include <unistd.h>

#include <map>
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
    std::vector<std::string> args{"--traceparent",       kTrace,    "enqueue",   "--kind",  kind, "--output",
                                  dir / ("out/" + kind), "--redis", redis.url(), "--queue", queue};
    if (kind == "tile") args.insert(args.end(), {"--options", R"({"size":64})"});
    for (int i = 0; i < kScenes; ++i) args.push_back(dir / ("in/s" + std::to_string(i) + ".tif"));
    const auto r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
}

std::vector<std::string> worker_args(const test::RedisServer& redis, const std::string& id, const std::string& root) {
  return {
      "worker",       "--redis", redis.url(),     "--queue", "fleet",     "--worker-id", id,        "--exit-when-empty",
      "--lease",      "5",       "--concurrency", "1",       "--threads", "1",           "--grace", "3",
      "--allow-root", root,      "--json"};
}

// True once the container `name` has started a task (its worker logs "running KIND task" at debug level): the
// victims run on a fifth of a core, so that task lasts seconds and the container is then mid-task.
bool running_a_task(const std::string& name) {
  const auto r = engine({"logs", name});
  return (r.out + r.err).find("\"message\":\"running ") != std::string::npos;
}

struct Containers {
  std::vector<std::string> names;
  ~Containers() {
    for (const auto& n : names) (void)engine({"rm", "-f", n});
  }
};

}  // namespace

TEST_CASE(
    "fleet in containers: 3 workers, one SIGKILLed and one stopped mid-task; every task once, outputs as the host build's") {
  const auto& img = image();
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "in");
  for (int seed = 0; seed < 4; ++seed) {
    REQUIRE(test::swath({"synth", "-o", dir / ("base" + std::to_string(seed) + ".tif"), "--kind", "sar", "--size",
                         "1024x1024", "--seed", std::to_string(seed + 1)})
                .exit_code == 0);
  }
  for (int i = 0; i < kScenes; ++i)
    fs::create_hard_link(dir / ("base" + std::to_string(i % 4) + ".tif"), dir / ("in/s" + std::to_string(i) + ".tif"));

  // The host build's fleet first, on its own queue; its outputs are then moved aside.
  enqueue(redis, dir, "host");
  auto host = test::swath(
      {"worker", "--redis", redis.url(), "--queue", "host", "--exit-when-empty", "--threads", "1", "--json"},
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
    if (slow) f.insert(f.end(), {"--cpus", "0.2", "-e", "SWATH_LOG__LEVEL=debug"});
    const auto r = test::run(run_argv(f, worker_args(redis, id, dir.path())));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    containers.names.push_back(prefix + id);
  };
  start("c1", true);
  start("c2", true);
  start("c3", false);

  wait_until([&] { return running_a_task(prefix + "c1"); }, 120);
  REQUIRE(engine({"kill", "--signal", "KILL", prefix + "c1"}).exit_code == 0);
  wait_until([&] { return running_a_task(prefix + "c2"); }, 120);
  const auto stopped = engine({"stop", "-t", "10", prefix + "c2"});
  REQUIRE_MESSAGE(stopped.exit_code == 0, stopped.err);
  start("c4", false);  // a replacement, as a Deployment would start one

  const auto exit_code = [&](const std::string& id) {
    const auto r = engine({"wait", prefix + id});
    return r.out.empty() ? -1 : std::stoi(r.out);
  };
  CHECK(exit_code("c1") == 137);  // SIGKILL
  CHECK(exit_code("c2") == 130);  // SIGTERM: the running task finished or handed back within --grace 3
  core::Json summary;             // the worker's --json summary, its last line on stdout
  for (const auto& line : test::lines(engine({"logs", prefix + "c2"}).out)) {
    if (line.rfind("{", 0) == 0 && line.find("\"handed_back\"") != std::string::npos) summary = core::Json::parse(line);
  }
  REQUIRE(summary.is_object());
  CHECK(summary.at("committed").as_int() + summary.at("handed_back").as_int() >= 1);
  CHECK(summary.at("lost").as_int() == 0);
  CHECK(exit_code("c3") == 0);  // they drain the queue, the SIGKILLed worker's task once its lease expired
  CHECK(exit_code("c4") == 0);

  const auto s =
      core::Json::parse(test::swath({"queue", "stats", "--json", "--redis", redis.url(), "--queue", "fleet"}).out);
  CHECK(s.at("done").as_int() == 2 * kScenes);
  CHECK(s.at("dead").as_int() == 0);
  CHECK(s.at("unfinished").as_int() == 0);
  // Exactly once: Redis keeps each task's commit token (`d<token>`), and the one done record beside its outputs
  // (swath-records/<job>/<task>.json) names that token and the worker and attempt that committed it.
  std::map<std::string, core::Json> records;
  for (const std::string kind : {"tile", "detect"}) records.merge(done_records(dir / ("out/" + kind)));
  const auto queued = queue_records(redis, "fleet");
  CHECK(queued.size() == static_cast<std::size_t>(2 * kScenes));
  CHECK(records.size() == static_cast<std::size_t>(2 * kScenes));
  int not_once = 0, rerun = 0;
  std::set<std::string> workers;
  for (const auto& [key, record] : queued) {
    const auto found = records.find(key.substr(key.find(':') + 1));
    if (record.rfind("d", 0) != 0 || record.find('|') != std::string::npos || found == records.end() ||
        "d" + found->second.at("token").as_string() != record) {
      ++not_once;
      continue;
    }
    workers.insert(found->second.at("worker").as_string());
    if (found->second.at("attempt").as_int() >= 2) ++rerun;
  }
  CHECK(not_once == 0);
  CHECK(workers.size() >= 2);
  CHECK(rerun >= 1);  // the SIGKILLed worker's task, leased again once its lease expired
  MESSAGE("image " << img.id << ": tasks done by " << workers.size() << " containers");

  // Byte for byte what the host build wrote, file by file, every file but the done records (which name the
  // worker, its token and its times); those are there for the same tasks of the same jobs.
  const auto in = [&](const std::string& sub, const std::string& command) {
    return test::run({"sh", "-c", "cd '" + dir / sub + "' && " + command}).out;
  };
  const std::string outputs = "find . -type f ! -path './*/swath-records/*' | sort | xargs sha256sum";
  const std::string record_names = "find . -type f -path './*/swath-records/*' | sort";
  const auto fleet_files = in("out", outputs);
  CHECK(test::lines(fleet_files).size() >= static_cast<std::size_t>(kScenes * (256 + 2 + 1)));
  CHECK(fleet_files == in("host-out", outputs));
  CHECK(test::lines(in("out", record_names)).size() == static_cast<std::size_t>(2 * kScenes));
  CHECK(in("out", record_names) == in("host-out", record_names));
  CHECK(hidden_entries(dir / "out").empty());
}
