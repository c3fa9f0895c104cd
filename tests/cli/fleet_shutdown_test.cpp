// End to end: a worker told to stop (SIGTERM) finishes its tile task within --grace, or hands it back;
// a detect model card outside --allow-root is dead-lettered like an input outside it.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <set>

#include "cli/fleet_support.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

namespace {

// 1024 tiles of 32 px: long enough with one thread that SIGTERM lands mid-task (checked through the log).
std::string enqueue_long_tile_task(const test::RedisServer& redis, const test::ScratchDir& dir) {
  const auto scene = scene_with_known_pixels(dir, 1024, 1024);
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "fleet", "--options",
                                         R"({"size":32})"}))
              .exit_code == 0);
  return scene;
}

core::Json stats(const test::RedisServer& redis) {
  const auto r = test::swath(with_redis(redis, {"queue", "stats", "--json"}));
  REQUIRE(r.exit_code == 0);
  return core::Json::parse(r.out);
}

// Starts a worker, waits until its task has staged some tiles, sends SIGTERM and waits for it.
test::RunResult terminate_mid_task(const test::RedisServer& redis, const test::ScratchDir& dir,
                                   const std::string& grace) {
  test::Background worker(binary(with_redis(redis, {"worker", "--threads", "1", "--grace", grace, "--json"})));
  wait_until([&] { return staged_tiles(dir / "fleet/.swath-staging") >= 10; });
  worker.signal(SIGTERM);
  return worker.wait();
}

}  // namespace

TEST_CASE("fleet shutdown: SIGTERM mid tile task with a long --grace: the task finishes and is committed") {
  test::RedisServer redis;
  test::ScratchDir dir;
  enqueue_long_tile_task(redis, dir);
  const auto r = terminate_mid_task(redis, dir, "120");
  INFO(r.err);
  CHECK(r.exit_code == 130);  // docs/queue.md: SIGTERM → 130, after finishing or handing back in-flight work
  CHECK(r.err.find("for 1 running tasks") != std::string::npos);  // the task was in flight when SIGTERM came
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("committed").as_int() == 1);
  CHECK(summary.at("handed_back").as_int() == 0);
  const auto s = stats(redis);
  CHECK(s.at("done").as_int() == 1);
  CHECK(s.at("in_flight").as_int() == 0);
  CHECK(s.at("depth").as_int() == 0);
  CHECK(s.at("dead").as_int() == 0);
  CHECK(hashes(dir / "fleet/scene", ".tif").size() == 32 * 32);
  CHECK(hidden_entries(dir / "fleet").empty());
}

TEST_CASE("fleet shutdown: SIGTERM with a tiny --grace hands the running task back, nothing committed") {
  test::RedisServer redis;
  test::ScratchDir dir;
  enqueue_long_tile_task(redis, dir);
  const auto r = terminate_mid_task(redis, dir, "0.1");
  INFO(r.err);
  CHECK(r.exit_code == 130);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("committed").as_int() == 0);
  CHECK(summary.at("handed_back").as_int() == 1);
  CHECK(summary.at("dead").as_int() == 0);
  CHECK(r.err.find("stopped after") != std::string::npos);  // the tiling stopped part-way, not at its end
  const auto s = stats(redis);
  CHECK(s.at("done").as_int() == 0);
  CHECK(s.at("dead").as_int() == 0);
  CHECK(s.at("in_flight").as_int() == 0);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "1");  // ready again, at once (no lease to wait out)
  CHECK(hashes(dir / "fleet", ".tif").empty());
  CHECK(hidden_entries(dir / "fleet").empty());  // the stopped attempt's staging directory is gone

  // The next worker runs it to the end.
  const auto again = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "2", "--json"}));
  REQUIRE(again.exit_code == 0);
  CHECK(core::Json::parse(again.out).at("committed").as_int() == 1);
  CHECK(hashes(dir / "fleet/scene", ".tif").size() == 32 * 32);
}

TEST_CASE("fleet --allow-root: a detect model card, or the model file it names, outside the roots is dead at once") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "root/in");
  const auto scene = test::make_scene(dir / "root/in/scene.tif");
  // Real cards and model (enqueue loads and checks them): one card outside the root, one inside it naming a
  // model file outside it.
  fs::create_directories(dir / "elsewhere");
  fs::copy_file(std::string(SWATH_SOURCE_DIR) + "/models/vehicles.onnx", dir / "elsewhere/good.onnx");
  const std::string card_text = "input: {width: 256, height: 256, bands: [1, 2, 3]}\nclasses: [car, truck]\n";
  test::write_text(dir / "elsewhere/card.yaml", "model: good.onnx\n" + card_text);
  test::write_text(dir / "root/models/card.yaml", "model: " + dir / "elsewhere/good.onnx" + "\n" + card_text);
  for (const std::string& card : {dir / "elsewhere/card.yaml", dir / "root/models/card.yaml"}) {
    const std::string options = R"({"detector":"onnx","model":")" + card + R"("})";
    REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "detect", scene, "--output", dir / "root/out",
                                           "--options", options}))
                .exit_code == 0);
  }
  auto r = test::swath(with_redis(
      redis, {"worker", "--exit-when-empty", "--allow-root", dir / "root", "--max-attempts", "3", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 2);
  CHECK(core::Json::parse(r.out).at("retried").as_int() == 0);  // bad input: not retried
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  std::set<std::string> errors;
  const auto dead = core::Json::parse(r.out);
  for (const auto& t : dead.at("tasks").as_array()) {
    CHECK(t.at("attempt").as_int() == 1);
    errors.insert(t.at("error").as_string());
  }
  REQUIRE(errors.size() == 2);
  const std::string all = *errors.begin() + "\n" + *errors.rbegin();
  INFO(all);
  CHECK(all.find("model '" + dir / "elsewhere/card.yaml" + "' is outside the allowed roots") != std::string::npos);
  CHECK(all.find("model file '" + dir / "elsewhere/good.onnx" + "' is outside the allowed roots") != std::string::npos);
  CHECK(hashes(dir / "root/out", "").empty());  // hashes() of a missing directory is empty too
}

TEST_CASE("fleet --allow-root: roots none of which exists here are refused at start (exit 2), the tasks untouched") {
  test::ScratchDir dir;
  test::RedisServer redis;
  const auto scene = test::make_scene(dir / "s.tif", {.width = 64, .height = 64, .bands = 1, .type = GDT_Byte});
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "out"})).exit_code == 0);
  for (const std::string& root : {std::string("relative/dir"), dir / "missing"}) {
    CAPTURE(root);
    const auto r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--allow-root", root}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--allow-root '" + root + "'") != std::string::npos);
  }
  const auto stats = core::Json::parse(test::swath(with_redis(redis, {"queue", "stats", "--json"})).out);
  CHECK(stats.at("dead").as_int() == 0);
  CHECK(stats.at("depth").as_int() == 1);
  // One root there (relative: from the working directory, as before) and one another pod mounts: warned, runs.
  const auto r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json", "--allow-root", ".",
                                                "--allow-root", dir / "missing"}),
                             {.working_dir = dir.path()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("no such directory here; tasks under it will not be found") != std::string::npos);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);
}
