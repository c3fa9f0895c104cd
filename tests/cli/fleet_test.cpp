// End to end: the fleet path (enqueue → worker) writes the same tiles and detections as the local commands.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

TEST_CASE("fleet tile: sharded tasks on 2 workers write the same tile bytes as swath tile") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 300, 220);
  auto r = test::swath({"tile", scene, "-o", dir / "local", "--size", "64", "--overlap", "8", "--co",
                        "COMPRESS=DEFLATE", "--threads", "2"});
  REQUIRE(r.exit_code == 0);
  r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "fleet", "--shards", "3", "--json",
                         "--options", R"({"size":64,"overlap":8,"creation_options":["COMPRESS=DEFLATE"]})"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 3);

  test::Background one(binary(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"})));
  test::Background two(binary(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "2", "--json"})));
  const auto a = one.wait(), b = two.wait();
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  CHECK(core::Json::parse(a.out).at("committed").as_int() + core::Json::parse(b.out).at("committed").as_int() == 3);

  const auto local = hashes(dir / "local", ".tif");
  const auto fleet = hashes(dir / "fleet", ".tif");
  REQUIRE(local.size() == 24);  // 6 columns x 4 rows of 64 px at stride 56
  CHECK(fleet == local);        // every tile, same relative path, byte-identical
  CHECK(manifest_tiles(dir / "fleet") == manifest_tiles(dir / "local"));
  CHECK(hashes(dir / "fleet", ".jsonl").size() == 3);  // one manifest per task, none overwritten
  CHECK(hidden_entries(dir / "fleet").empty());        // no staging directory, temporary or journal left
}

TEST_CASE("fleet tile: swath tile's own manifest, enqueued in batches, gives the same tiles as swath tile") {
  test::RedisServer redis;
  test::ScratchDir dir;
  scene_with_known_pixels(dir, 300, 220);
  // Tiled from `dir` by a relative path: the header records the source as given, "in/scene.tif".
  REQUIRE(test::swath({"tile", "in/scene.tif", "-o", "local", "--size", "64", "--overlap", "8"},
                      {.working_dir = dir.path()})
              .exit_code == 0);
  // Enqueued elsewhere, the relative source names no file: refused before anything is queued.
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", "tiles.jsonl", "--output", dir / "fleet"}),
                       {.working_dir = dir / "local"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(
            "tiles.jsonl:2: scene 'scene': its source 'in/scene.tif' (from the manifest's header) is not a file") !=
        std::string::npos);
  CHECK(r.err.find("relative to the current directory") != std::string::npos);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
  // Where another raster has that relative name, it is not the scene the tiles were cut from: its tasks would cut
  // other tiles under the manifest's ids.
  fs::create_directories(dir / "local/in");
  test::SceneSpec spec;
  spec.width = 300;
  spec.height = 220;
  test::make_scene(dir / "local/in/scene.tif", spec);
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", "tiles.jsonl", "--output", dir / "fleet"}),
                  {.working_dir = dir / "local"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("is not the file the manifest's tiles were cut from") != std::string::npos, r.err);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
  fs::remove_all(dir / "local/in");

  r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", "local/tiles.jsonl", "--tiles-per-task", "5",
                                     "--output", dir / "fleet", "--options", R"({"size":64,"overlap":8})", "--json"}),
                  {.working_dir = dir.path()});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("tasks").as_int() == 5);  // 24 tiles in batches of 5
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 5);
  CHECK(hashes(dir / "fleet", ".tif") == hashes(dir / "local", ".tif"));
  CHECK(manifest_tiles(dir / "fleet") == manifest_tiles(dir / "local"));
}

TEST_CASE("fleet detect: swath tile's manifest → one detect task per 2 tile files → detections of every tile") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "3", "--size", "1024x1024"}).exit_code == 0);
  REQUIRE(test::swath({"tile", dir / "sea.tif", "-o", dir / "tiles", "--size", "512"}).exit_code == 0);
  // Objects are merged (and pieces cut by a seam joined) within a task, not across tasks: the local reference is
  // swath detect on each task's tiles, a manifest of the header and the task's two lines.
  const auto lines = core::split(core::read_file(dir / "tiles/tiles.jsonl"), '\n');
  REQUIRE(lines.size() >= 5);
  std::ofstream(dir / "tiles/first.jsonl") << lines[0] << "\n" << lines[1] << "\n" << lines[2] << "\n";
  std::ofstream(dir / "tiles/second.jsonl") << lines[0] << "\n" << lines[3] << "\n" << lines[4] << "\n";
  auto r = test::swath({"detect", dir / "tiles/first.jsonl", "--detector", "cfar", "-o", dir / "local1.geojson"});
  REQUIRE(r.exit_code == 0);
  r = test::swath({"detect", dir / "tiles/second.jsonl", "--detector", "cfar", "-o", dir / "local2.geojson"});
  REQUIRE(r.exit_code == 0);
  r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "detect", dir / "tiles/tiles.jsonl", "--tiles-per-task", "2", "--output",
                         dir / "fleet", "--options", R"({"detector":"cfar","output_format":"geojson"})", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("tasks").as_int() == 2);  // 4 tiles of 512 px
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 2);
  const auto outputs = hashes(dir / "fleet", ".geojson");
  REQUIRE(outputs.size() == 2);
  // Each detection as its scene, window and geometry say it: the fleet labels a manifest's tiles as swath detect
  // does (the scene's name and the tile's id, not the tile file's path and the window's grid id).
  const auto labelled = [](const core::Json& feature) {
    const auto& p = feature.at("properties");
    return p.at("scene").as_string() + " " + p.at("window").as_string() + " " + feature.at("geometry").dump();
  };
  std::multiset<std::string> fleet;
  for (const auto& [name, sha] : outputs) {
    CHECK(name.rfind("detections.", 0) == 0);
    const auto file = core::Json::parse(core::read_file(dir / ("fleet/" + name)));
    for (const auto& f : file.at("features").as_array()) fleet.insert(labelled(f));
  }
  std::multiset<std::string> local;
  for (const char* name : {"local1.geojson", "local2.geojson"}) {
    const auto local_file = core::Json::parse(core::read_file(dir / name));
    for (const auto& f : local_file.at("features").as_array()) local.insert(labelled(f));
  }
  REQUIRE(local.size() > 3);
  CHECK(local.begin()->rfind("sea sea/r0000", 0) == 0);
  CHECK(fleet == local);  // the same tiles, the same detector: the same detections, split over two files
  CHECK(hidden_entries(dir / "fleet").empty());
}

TEST_CASE("fleet tile: a scene that fails to open is dead-lettered at once with the reason") {
  test::RedisServer redis;
  test::ScratchDir dir;
  scene_with_known_pixels(dir, 64, 64);
  fs::copy_file(dir / "in/scene.tif", dir / "in/not_a_raster.tif");
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", dir / "in/not_a_raster.tif",
                                          dir / "in/scene.tif", "--output", dir / "out"}));
  REQUIRE(r.exit_code == 0);  // both were good rasters when enqueued (enqueue opens local scenes)
  test::write_text(dir / "in/not_a_raster.tif", "just text\n");  // overwritten by the time the worker runs
  fs::remove(dir / "in/scene.tif");                              // missing by then
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--max-attempts", "5", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 2);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  std::set<std::string> errors;
  const auto dead = core::Json::parse(r.out);
  for (const auto& t : dead.at("tasks").as_array()) {
    CHECK(t.at("attempt").as_int() == 1);  // not retried: it would fail the same way
    errors.insert(t.at("error").as_string());
  }
  REQUIRE(errors.size() == 2);
  CHECK(errors.begin()->find("not_a_raster.tif': not a raster GDAL can read") != std::string::npos);
  CHECK(errors.rbegin()->find("scene.tif': no such file") != std::string::npos);
  CHECK(hashes(dir / "out", "").empty());
}

TEST_CASE("fleet tile: a scene rewritten between its shards' runs: later shards dead; --force redoes every shard") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 128, 96);
  const std::vector<std::string> enqueue{"enqueue",   "--kind",   "tile", scene,       "--output",
                                         dir / "out", "--shards", "2",    "--options", R"({"size":32})"};
  REQUIRE(test::swath(with_redis(redis, enqueue)).exit_code == 0);
  auto r = test::swath(with_redis(redis, {"worker", "--max-tasks", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  REQUIRE(core::Json::parse(r.out).at("committed").as_int() == 1);
  const auto first_shard = hashes(dir / "out", "");
  // The same size and grid, other pixels (a reprocessed scene written over the old one).
  test::SceneSpec spec;
  spec.width = 128;
  spec.height = 96;
  spec.pixel = [](int b, int x, int y) { return b * 1000 + (x * 11 + y * 5) % 991; };
  test::make_scene(scene, spec);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 1);  // was committed: a grid of two scenes' tiles, exit 0
  CHECK(hashes(dir / "out", "") == first_shard);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto dead = core::Json::parse(r.out);
  REQUIRE(dead.at("tasks").as_array().size() == 1);
  const auto error = dead.at("tasks").as_array().front().at("error").as_string();
  CHECK_MESSAGE(error.find("rewritten or replaced since") != std::string::npos, error);
  CHECK_MESSAGE(error.find("--force") != std::string::npos, error);

  // Enqueued again with --force: the same task ids, every shard on the scene as it is now.
  auto again = enqueue;
  again.insert(again.end(), {"--force", "--json"});
  r = test::swath(with_redis(redis, again));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 2);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 2);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "32"}).exit_code == 0);
  CHECK(hashes(dir / "out", ".tif") == hashes(dir / "local", ".tif"));
  CHECK(manifest_tiles(dir / "out") == manifest_tiles(dir / "local"));
  CHECK(hashes(dir / "out", ".jsonl").size() == 2);  // the shards' manifests, replaced under their names
}

TEST_CASE("fleet tile: a worker SIGKILLed mid-task leaves no partial tile; another worker completes the task") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 1536, 1536);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "32", "--threads", "1"}).exit_code == 0);
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "fleet", "--options",
                                         R"({"size":32})"}))
              .exit_code == 0);
  {
    test::Background victim(binary(with_redis(redis, {"worker", "--threads", "1", "--lease", "1"})));
    // Killed once its staging directory holds some tiles, long before the 2304 are done.
    wait_until([&] { return staged_tiles(dir / "fleet/.swath-staging") >= 20; });
    victim.signal(SIGKILL);
    victim.wait();
  }
  CHECK(hashes(dir / "fleet/scene", ".tif").empty());  // nothing reached the final directory
  const auto r =
      test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "2", "--lease", "5", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);
  const auto local = hashes(dir / "local", ".tif");
  REQUIRE(local.size() == 48 * 48);
  CHECK(hashes(dir / "fleet", ".tif") == local);
  CHECK(hidden_entries(dir / "fleet").empty());  // the killed attempt's staging directory is gone too
}

TEST_CASE("fleet detect: a cfar task writes the same features as swath detect") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "3", "--size", "1024x1024"}).exit_code == 0);
  const std::string scene = dir / "sea.tif";
  auto r = test::swath({"detect", scene, "--detector", "cfar", "-o", dir / "local.geojson", "--threads", "2"},
                       {.env = {{"TRACEPARENT", kTrace}}});
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"--traceparent", kTrace, "enqueue", "--kind", "detect", scene, "--output",
                                     dir / "fleet", "--options", R"({"detector":"cfar","output_format":"geojson"})"}));
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);
  const auto outputs = hashes(dir / "fleet", ".geojson");
  REQUIRE(outputs.size() == 1);
  const std::string name = outputs.begin()->first;
  CHECK(name.rfind("detections.", 0) == 0);
  const auto local = core::Json::parse(core::read_file(dir / "local.geojson"));
  const auto fleet = core::Json::parse(core::read_file(dir / ("fleet/" + name)));
  REQUIRE(local.at("features").as_array().size() > 3);
  CHECK(fleet.at("features").dump() == local.at("features").dump());
  // Same scene, options and trace: the whole file, provenance included, is the same.
  CHECK(outputs.begin()->second == raster::sha256_file_hex(dir / "local.geojson"));
  CHECK(hidden_entries(dir / "fleet").empty());
}

TEST_CASE("fleet enqueue: tile and detect options are checked before anything is queued") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 64, 64);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"--kind", "tile", "--options", R"({"sise":64})"}, "unknown tile option 'sise' (hint: did you mean 'size'?"},
      {{"--kind", "tile", "--options", R"({"size":"big"})"}, "task option size: key 'tile.size': 'big'"},
      // The config's hint (what is allowed) was dropped on the way through the task options.
      {{"--kind", "tile", "--options", R"({"size":"big"})"}, "(hint: expected an integer from 16 to 65536)"},
      {{"--kind", "detect", "--options", R"({"detector":"nope"})"}, "(hint: expected one of cfar, index, onnx)"},
      {{"--kind", "detect", "--options", R"({"detector":"cfar","window":-5})"}, "task option window"},
      {{"--kind", "detect", "--shards", "2"}, "only tile tasks are split into shards"},
      // As `swath tile --scale` is for GTiff: asked for by name, it would only change the work's identity.
      {{"--kind", "tile", "--options", R"({"scale":"0,100"})"}, "GTiff tiles keep the scene's values"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"enqueue", scene, "--output", dir / "out"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = test::swath(with_redis(redis, args));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
}
