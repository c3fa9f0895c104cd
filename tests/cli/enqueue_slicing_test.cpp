// End to end: one scene's tiles enqueued into one output by two slicings of its work (whole, in shards, in a
// manifest's batches) would be listed twice, once in each work's manifests: the second enqueue is refused.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include "cli/fleet_support.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;

namespace {

test::RunResult enqueue(const test::RedisServer& redis, std::vector<std::string> args) {
  args.insert(args.begin(), "enqueue");
  return test::swath(with_redis(redis, std::move(args)));
}

std::string ready(const test::RedisServer& redis) { return redis.cli({"LLEN", "swath:{fleet}:ready"}); }

}  // namespace

TEST_CASE(
    "enqueue: a scene's tiles already queued whole, in shards or in manifest batches are not queued again "
    "by another slicing") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 96, 64);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "16"}).exit_code == 0);
  const std::string out = dir / "out";
  const std::vector<std::string> grid{"--options", R"({"size":16})"};
  const auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), grid.begin(), grid.end());
    return args;
  };
  // Was: accepted, and after the workers every tile listed in tiles.<t>.jsonl and in a shard manifest.
  auto r = enqueue(redis, with({"--kind", "tile", scene, "--output", out}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(ready(redis) == "1");
  r = enqueue(redis, with({"--kind", "tile", scene, "--output", out, "--shards", "2"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("scene.tif listed whole; this is scene.tif listed in 2 shards") != std::string::npos, r.err);
  r = enqueue(redis, {"--kind", "tile", dir / "local/tiles.jsonl", "--output", out, "--tiles-per-task", "10"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("this is scene.tif listed in batches of 10 tiles") != std::string::npos, r.err);
  // The same slicing again is the same tasks (skipped), not a conflict.
  r = enqueue(redis, with({"--kind", "tile", scene, "--output", out}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(ready(redis) == "1");

  // And the other way: batches first, then the scene whole, then batches of another size.
  const std::string other = dir / "other";
  r = enqueue(redis, {"--kind", "tile", dir / "local/tiles.jsonl", "--output", other, "--tiles-per-task", "10"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = enqueue(redis, with({"--kind", "tile", scene, "--output", other}));
  CHECK(r.exit_code == 2);
  r = enqueue(redis, {"--kind", "tile", dir / "local/tiles.jsonl", "--output", other, "--tiles-per-task", "5"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("listed in batches of 10 tiles; this is scene.tif listed in batches of 5 tiles") != std::string::npos,
      r.err);
}

TEST_CASE(
    "enqueue: a scene placed and named as one of its own tiles in --output is refused (the move would replace "
    "it)") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 96, 64);
  fs::create_directories(dir / "out/r000000_c000000");
  fs::copy_file(scene, dir / "out/r000000_c000000/r000000_c000000.tif");
  // Was: queued, and the worker's move into place replaced the scene with its first tile.
  const auto r = enqueue(redis, {"--kind", "tile", dir / "out/r000000_c000000/r000000_c000000.tif", "--output",
                                 dir / "out", "--options", R"({"size":16})"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("where this run writes its tiles, and is named as one of them") != std::string::npos, r.err);
  CHECK(ready(redis) == "0");
  // A pyramid's z/x/y file likewise (was: queued, and replaced by that tile).
  fs::create_directories(dir / "map/3/4");
  test::make_scene(dir / "map/3/4/5.png", {.width = 64, .height = 64, .type = GDT_Byte});  // a GeoTIFF by its bytes
  const auto p = enqueue(redis, {"--kind", "tile", dir / "map/3/4/5.png", "--output", dir / "map", "--options",
                                 R"({"grid":"xyz","zoom":"0-3"})"});
  CHECK(p.exit_code == 2);
  CHECK_MESSAGE(p.err.find("it is named and placed as a tile of the pyramid") != std::string::npos, p.err);
  CHECK(ready(redis) == "0");
}

TEST_CASE(
    "fleet tile: a scene's tiles listed by a local `swath tile` are not queued into its output again, nor the "
    "reverse") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 96, 64);
  const std::string grid = R"({"size":16})";
  const auto worker = [&] {
    return test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  };
  // Local first: the fleet's manifest would list every tile again beside tiles.jsonl (was: queued, both listed).
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "16"}).exit_code == 0);
  auto r = enqueue(redis, {"--kind", "tile", scene, "--output", dir / "local", "--options", grid});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("'tiles.jsonl' lists the tiles of scene 'scene' with these options (a local `swath "
                           "tile` run's)") != std::string::npos,
                r.err);
  CHECK(ready(redis) == "0");
  // In shards too; another scene, or other options (refused as another tile set), are not this refusal.
  r = enqueue(redis, {"--kind", "tile", scene, "--output", dir / "local", "--options", grid, "--shards", "2"});
  CHECK(r.exit_code == 2);
  const auto other = test::make_scene(dir / "in/other.tif", {.width = 32, .height = 32});
  r = enqueue(redis, {"--kind", "tile", other, "--output", dir / "local", "--options", grid});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(worker().exit_code == 0);

  // Fleet first: a local run of the scene there is refused before it writes.
  r = enqueue(redis, {"--kind", "tile", scene, "--output", dir / "fleet", "--options", grid});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(worker().exit_code == 0);
  const auto before = hashes(dir / "fleet", ".jsonl");
  r = test::swath({"tile", scene, "-o", dir / "fleet", "--size", "16"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("lists the tiles of scene 'scene' with these options (the fleet's") != std::string::npos,
                r.err);
  CHECK_FALSE(fs::exists(dir / "fleet/tiles.jsonl"));
  CHECK(hashes(dir / "fleet", ".jsonl") == before);

  // Queued, then tiled locally before a worker took it: the worker refuses the task (dead), committing nothing.
  r = enqueue(redis, {"--kind", "tile", scene, "--output", dir / "late", "--options", grid});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "late", "--size", "16"}).exit_code == 0);
  r = worker();
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 1);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  CHECK_MESSAGE(r.out.find("a local `swath tile` run's") != std::string::npos, r.out);
  std::size_t manifests = 0;
  for (const auto& entry : fs::directory_iterator(dir / "late"))
    manifests += entry.path().extension() == ".jsonl" ? 1 : 0;
  CHECK(manifests == 1);  // tiles.jsonl alone
}
