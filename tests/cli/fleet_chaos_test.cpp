// Chaos with real work: tile and detect tasks on 4 workers, one SIGKILLed about every second, Redis restarted
// once. The workers drain with --exit-when-empty and exit by themselves; only then is everything checked:
// every task done exactly once, every output in place matching its recorded hash, nothing left in staging.
#include <doctest/doctest.h>

#include <csignal>
#include <random>

#include "cli/fleet_support.hpp"
#include "raster/fingerprint.hpp"

using namespace swath;
using namespace swath::test::fleet;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr int scene_count = 80;  // every process is several times slower under AddressSanitizer
#else
constexpr int scene_count = 300;  // one tile and one detect task each: 600 tasks
#endif
constexpr int waves = 10;
constexpr int worker_count = 4;

std::string scene_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "s%04d.tif", i);
  return name;
}

class Fleet {
 public:
  explicit Fleet(const test::RedisServer& redis) : redis_(redis) {
    for (int i = 0; i < worker_count; ++i) workers_.push_back(start());
  }
  void kill_one(std::mt19937& random) {
    auto& victim = workers_[random() % workers_.size()];
    victim->signal(SIGKILL);
    victim->wait();
    ++kills_;
    victim = start();
  }
  // Waits for every worker to exit by itself (the queue drained); returns the exit codes and logs.
  std::vector<test::RunResult> drain() {
    std::vector<test::RunResult> out;
    for (auto& w : workers_) out.push_back(w->wait(std::chrono::seconds(300)));
    return out;
  }
  int kills() const { return kills_; }

 private:
  std::unique_ptr<test::Background> start() {
    return std::make_unique<test::Background>(std::vector<std::string>{
        SWATH_BINARY, "worker", "--redis", redis_.url(), "--queue", "fleet", "--exit-when-empty", "--lease", "2",
        "--concurrency", "2", "--threads", "1", "--backoff", "0.05", "--reconnect-timeout", "30"});
  }
  const test::RedisServer& redis_;
  std::vector<std::unique_ptr<test::Background>> workers_;
  int kills_ = 0;
};

void enqueue_wave(const test::RedisServer& redis, const test::ScratchDir& dir, int wave) {
  for (const std::string kind : {"tile", "detect"}) {
    std::vector<std::string> args{"enqueue", "--kind", kind, "--output", dir / ("out/" + kind)};
    if (kind == "tile") args.insert(args.end(), {"--options", R"({"size":64})"});
    for (int i = wave * scene_count / waves; i < (wave + 1) * scene_count / waves; ++i)
      args.push_back(dir / ("in/" + scene_name(i)));
    const auto r = test::swath(with_redis(redis, args));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
}

core::Json stats(const test::RedisServer& redis) {
  return core::Json::parse(test::swath(with_redis(redis, {"queue", "stats", "--json"})).out);
}

}  // namespace

TEST_CASE("fleet chaos: tile and detect tasks under SIGKILLs and a Redis restart: all done once, all in place") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "base");
  for (int seed = 0; seed < 4; ++seed) {
    REQUIRE(test::swath({"synth", "-o", dir / ("base/" + std::to_string(seed) + ".tif"), "--kind", "sar", "--size",
                         "512x512", "--seed", std::to_string(seed + 1)})
                .exit_code == 0);
  }
  for (int i = 0; i < scene_count; ++i) {
    fs::create_directories(dir / "in");
    fs::create_hard_link(dir / ("base/" + std::to_string(i % 4) + ".tif"), dir / ("in/" + scene_name(i)));
  }
  const int task_count = 2 * scene_count;

  std::mt19937 random(4242);
  Fleet fleet(redis);
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
  // Kills every second until most of the work is done; the survivors then drain the queue and exit by themselves.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (std::chrono::steady_clock::now() < deadline && stats(redis).at("done").as_int() < task_count * 9 / 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + random() % 600));
    fleet.kill_one(random);
  }
  MESSAGE("workers killed: " << fleet.kills());
  CHECK(fleet.kills() >= waves);
  for (const auto& r : fleet.drain())
    CHECK_MESSAGE(r.exit_code == 0, r.err.substr(r.err.size() > 2000 ? r.err.size() - 2000 : 0));

  // Checked now, as the last worker exits: not after some later worker happens to look.
  const auto s = stats(redis);
  CHECK(s.at("done").as_int() == task_count);
  CHECK(s.at("dead").as_int() == 0);
  CHECK(s.at("unfinished").as_int() == 0);
  CHECK(s.at("finishing").as_int() == 0);
  CHECK(s.at("in_flight").as_int() == 0);
  CHECK(s.at("depth").as_int() == 0);
  // Redis keeps each task's commit token; the done record beside the outputs names the same token, and the
  // files it lists are in place with the hashes committed.
  int not_done = 0, wrong_commits = 0, missing = 0, mismatched = 0, files = 0;
  std::map<std::string, core::Json> records;
  for (const std::string kind : {"tile", "detect"}) records.merge(done_records(dir / ("out/" + kind)));
  const auto queued = queue_records(redis, "fleet");
  CHECK(queued.size() == static_cast<std::size_t>(task_count));
  for (const auto& [key, record] : queued) {
    if (record.rfind("d", 0) != 0 || record.find('|') != std::string::npos) {
      ++not_done;
      continue;
    }
    const auto found = records.find(key.substr(key.find(':') + 1));
    if (found == records.end() || "d" + found->second.at("token").as_string() != record) {
      ++wrong_commits;
      continue;
    }
    const std::string out_dir = dir / ("out/" + found->second.at("kind").as_string());
    for (const auto& [name, file] : found->second.at("outputs").as_object()) {
      ++files;
      const std::string path = out_dir + "/" + name;
      if (!fs::exists(path))
        ++missing;
      else if (raster::sha256_file_hex(path) != file.at("sha256").as_string())
        ++mismatched;
    }
  }
  CHECK(not_done == 0);
  CHECK(wrong_commits == 0);
  CHECK(missing == 0);
  CHECK(mismatched == 0);
  CHECK(files >= scene_count * (64 + 2 + 1));  // 64 tiles, a manifest and an index per tile task; one detections file
  CHECK(hidden_entries(dir / "out").empty());  // no staging directory, no temporary
}
