// End to end: inputs changed between tiling, enqueue and the worker are not cut or detected as what the manifest
// lists: the task is dead, naming the file, and nothing is committed.
#include <doctest/doctest.h>

#include <filesystem>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

TEST_CASE("fleet detect: a manifest's tile changed after tiling is not detected as its window: the task is dead") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "3", "--size", "1024x1024"}).exit_code == 0);
  REQUIRE(test::swath({"tile", dir / "sea.tif", "-o", dir / "tiles", "--size", "512"}).exit_code == 0);
  // Another tile copied over the first: a valid raster, its own georeferencing, not the bytes the manifest lists.
  fs::copy_file(dir / "tiles/sea/r000000_c000001.tif", dir / "tiles/sea/r000000_c000000.tif",
                fs::copy_options::overwrite_existing);
  auto r = test::swath({"detect", dir / "tiles/tiles.jsonl", "--detector", "cfar", "-o", dir / "local.geojson"});
  CHECK(r.exit_code == 3);  // swath detect: that tile not examined, the rest detected
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "detect", dir / "tiles/tiles.jsonl", "--tiles-per-task", "4",
                                     "--output", dir / "fleet", "--options", R"({"detector":"cfar"})"}));
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 1);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto error = core::Json::parse(r.out).at("tasks").as_array().at(0).at("error").as_string();
  CHECK_MESSAGE(error.find("sea/r000000_c000000: not examined: its SHA-256 differs") != std::string::npos, error);
  CHECK(hashes(dir / "fleet", "").empty());
}

TEST_CASE("fleet tile: a manifest's scene rewritten after enqueue is not re-cut under its ids: the tasks are dead") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 300, 220);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "64"}).exit_code == 0);
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", dir / "local/tiles.jsonl", "--tiles-per-task",
                                          "8", "--output", dir / "fleet", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("tasks").as_int() == 3);  // 20 tiles: the first batch a Task, the rest not
  // Rewritten while the tasks wait: a smaller raster (whose grid lacks most of the listed indices: said as a
  // rewrite, not as options that do not fit).
  test::SceneSpec spec;
  spec.width = 100;
  spec.height = 100;
  test::make_scene(scene, spec);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 3);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto dead = core::Json::parse(r.out);
  for (const auto& task : dead.at("tasks").as_array()) {
    const auto error = task.at("error").as_string();
    CHECK_MESSAGE(error.find("scene '" + scene + "': its fingerprint sha256:") != std::string::npos, error);
    CHECK_MESSAGE(error.find("it was rewritten or replaced since") != std::string::npos, error);
  }
  CHECK(hashes(dir / "fleet", "").empty());
  // Enqueue alone sets it, from the header.
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "fleet", "--options",
                                     R"({"scene_fingerprint":"sha256:0"})"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("tile option 'scene_fingerprint'") != std::string::npos, r.err);
}
