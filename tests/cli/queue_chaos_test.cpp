// Chaos: 4 workers, one SIGKILLed about every second, Redis restarted once, tasks enqueued in waves meanwhile.
// Afterwards every task is committed exactly once, none is lost, and only the planted poison tasks are dead.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
// Under AddressSanitizer every process is several times slower; the scenario is the same, with fewer tasks.
constexpr int task_count = 1500;
#else
constexpr int task_count = 5000;
#endif
constexpr int waves = 20;
constexpr int worker_count = 4;

std::string input_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "f%05d.txt", i);
  return name;
}

class Fleet {
 public:
  Fleet(const test::RedisServer& redis, const std::string& log_dir) : redis_(redis), log_dir_(log_dir) {
    for (int i = 0; i < worker_count; ++i) workers_.push_back(start());
  }
  void kill_one(std::mt19937& random) {
    auto& victim = workers_[random() % workers_.size()];
    victim->signal(SIGKILL);
    logs_.push_back(victim->wait().err);
    ++kills_;
    victim = start();
  }
  void stop_all() {
    for (auto& w : workers_) w->signal(SIGTERM);
    for (auto& w : workers_) {
      const auto r = w->wait();
      // A replacement started a moment ago may get SIGTERM before swath installed its handler (exit 143);
      // it has not leased anything yet then. Any worker that started serving must stop cleanly with 130.
      const bool serving = r.err.find("serving queue chaos") != std::string::npos;
      CHECK_MESSAGE((r.exit_code == 130 || (!serving && r.exit_code == 128 + SIGTERM)),
                    r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0));
      logs_.push_back(r.err);
    }
  }
  const std::vector<std::string>& logs() const { return logs_; }
  int kills() const { return kills_; }

 private:
  std::unique_ptr<test::Background> start() {
    return std::make_unique<test::Background>(std::vector<std::string>{SWATH_BINARY,
                                                                       "--log-format",
                                                                       "json",
                                                                       "--log-level",
                                                                       "debug",
                                                                       "worker",
                                                                       "--redis",
                                                                       redis_.url(),
                                                                       "--queue",
                                                                       "chaos",
                                                                       "--lease",
                                                                       "2",
                                                                       "--batch",
                                                                       "4",
                                                                       "--concurrency",
                                                                       "2",
                                                                       "--backoff",
                                                                       "0.05",
                                                                       "--reconnect-timeout",
                                                                       "30",
                                                                       "--allow-root",
                                                                       log_dir_});
  }
  const test::RedisServer& redis_;
  std::string log_dir_;
  std::vector<std::unique_ptr<test::Background>> workers_;
  std::vector<std::string> logs_;
  int kills_ = 0;
};

void enqueue_wave(const test::RedisServer& redis, const test::ScratchDir& dir, int wave) {
  std::vector<std::string> args{"enqueue", "--redis",  redis.url(), "--queue",  "chaos",
                                "--kind",  "checksum", "--output",  dir / "out"};
  for (int i = wave * task_count / waves; i < (wave + 1) * task_count / waves; ++i)
    args.push_back(dir / ("in/" + input_name(i)));
  const auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
}

// How many "committed" log lines each task id has across every worker's log (killed ones included).
std::map<std::string, int> commits_in_logs(const std::vector<std::string>& logs) {
  std::map<std::string, int> out;
  for (const auto& log : logs) {
    for (const auto& line : test::lines(log)) {
      if (line.find("\"committed in") == std::string::npos) continue;
      ++out[core::Json::parse(line).at("task_id").as_string()];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("cli queue chaos: killed workers and a Redis restart lose nothing and commit nothing twice") {
  test::RedisServer redis;
  test::ScratchDir dir;
  for (int i = 0; i < task_count; ++i)
    test::write_text(dir / ("in/" + input_name(i)), "content of " + std::to_string(i) + "\n");
  // Poison: two tasks whose input is gone by the time they run, two raw envelopes that are not tasks.
  test::write_text(dir / "in/poison-1.txt", "x");
  test::write_text(dir / "in/poison-2.txt", "y");
  REQUIRE(test::swath({"enqueue", "--redis", redis.url(), "--queue", "chaos", "--kind", "checksum",
                       dir / "in/poison-*.txt", "--output", dir / "out"})
              .exit_code == 0);
  fs::remove(dir / "in/poison-1.txt");
  fs::remove(dir / "in/poison-2.txt");
  redis.cli({"RPUSH", "swath:{chaos}:ready", "garbage", "{\"schema\":\"swath.task/0\"}"});

  std::mt19937 random(12345);
  Fleet fleet(redis, dir.path());
  for (int wave = 0; wave < waves; ++wave) {
    enqueue_wave(redis, dir, wave);
    if (wave == waves / 2) {
      redis.stop();  // SIGTERM: the AOF is flushed, as in a rolling restart
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      redis.start();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + random() % 600));
    fleet.kill_one(random);
  }
  MESSAGE("waves enqueued; draining");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  auto next_kill = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    const auto stats =
        core::Json::parse(test::swath({"queue", "stats", "--json", "--redis", redis.url(), "--queue", "chaos"}).out);
    // Done includes tasks committed whose files are still being moved: wait until nothing is unfinished.
    if (stats.at("done").as_int() + stats.at("dead").as_int() == task_count + 4 && stats.at("unfinished").as_int() == 0)
      break;
    if (std::chrono::steady_clock::now() > next_kill && fleet.kills() < 40) {
      fleet.kill_one(random);
      next_kill = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  fleet.stop_all();
  MESSAGE("workers killed: " << fleet.kills());
  CHECK(fleet.kills() >= waves);

  const auto stats =
      core::Json::parse(test::swath({"queue", "stats", "--json", "--redis", redis.url(), "--queue", "chaos"}).out);
  CHECK(stats.at("done").as_int() == task_count);
  CHECK(stats.at("dead").as_int() == 4);
  CHECK(stats.at("depth").as_int() == 0);
  CHECK(stats.at("in_flight").as_int() == 0);
  // Exactly one commit per id in Redis, every output in place with the right content, none left in staging.
  int missing = 0, wrong_commits = 0;
  for (int i = 0; i < task_count; ++i) {
    const std::string input = dir / ("in/" + input_name(i));
    const std::string output = dir / ("out/" + input_name(i) + ".sha256");
    if (!fs::exists(output) || core::read_file(output) != raster::sha256_file_hex(input) + "  " + input_name(i) + "\n")
      ++missing;
  }
  // Each done task's commit token in Redis is the one its done record beside the outputs was written under.
  const auto records = test::fleet::done_records(dir / "out");
  for (const auto& [key, record] : test::fleet::queue_records(redis, "chaos")) {
    if (record.rfind("d", 0) != 0) continue;  // the poison
    const auto found = records.find(key.substr(key.find(':') + 1));
    if (found == records.end() || "d" + found->second.at("token").as_string() != record) ++wrong_commits;
  }
  CHECK(missing == 0);
  CHECK(wrong_commits == 0);
  CHECK_FALSE(fs::exists(dir / "out/.swath-staging"));
  // Independent evidence from the workers' own logs: no task was reported committed twice.
  const auto logged = commits_in_logs(fleet.logs());
  int twice = 0;
  for (const auto& [id, n] : logged) twice += n > 1 ? 1 : 0;
  CHECK(twice == 0);
  CHECK(logged.size() <= static_cast<std::size_t>(task_count));
  CHECK(logged.size() > static_cast<std::size_t>(task_count / 2));
  // Only the poison is dead.
  const auto dead = core::Json::parse(
      test::swath({"queue", "dead", "list", "--json", "--redis", redis.url(), "--queue", "chaos"}).out);
  REQUIRE(dead.at("tasks").as_array().size() == 4);
  for (const auto& d : dead.at("tasks").as_array()) {
    const auto& error = d.at("error").as_string();
    CAPTURE(error);
    CHECK((error.find("poison-") != std::string::npos || error.find("malformed task") != std::string::npos));
  }
}
