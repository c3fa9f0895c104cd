// The fleet handlers stop when their context says the lease was lost (or the grace ran out), not on SIGTERM;
// refuse a scene a local run listed in their output, from a fresh look; and a tile task run again names the files
// of its last run that it did not write again, for the move into place to remove.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "config/config.hpp"
#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "fleet/earlier_tiles.hpp"
#include "fleet/handlers.hpp"
#include "fleet/options.hpp"
#include "fleet/task_check.hpp"
#include "raster/fingerprint.hpp"
#include "settings/schema.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"
#include "worker/settle.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

queue::Task task_for(const std::string& kind, const std::string& scene, const std::string& output,
                     core::Json overrides) {
  queue::Task task;
  task.id = "t1";
  task.kind = kind;
  task.inputs = {scene};
  task.output = output;
  task.options = fleet::task_options(settings::defaults(), kind, overrides);
  return task;
}

std::size_t files_with_extension(const std::string& dir, const std::string& extension) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.path().extension() == extension ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("fleet handlers: a lost lease stops a tile task early, with no manifest staged") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 256;
  spec.height = 256;
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  worker::HandlerRegistry registry;
  fleet::add_handlers(registry, {1, 64u << 20});
  const auto task = task_for("tile", scene, dir / "out", core::Json::Object{{"size", 16}});
  fs::create_directories(dir / "staging");
  std::atomic<int> polls{0};
  worker::HandlerContext context;
  context.staging_dir = dir / "staging";
  context.stop_requested = [&] { return ++polls > 20; };  // the lease keeper marks the lease lost after a few tiles
  CHECK_THROWS_WITH_AS(registry.find("tile")->run(task, context), doctest::Contains("task stopped"), core::IoError);
  const auto staged = files_with_extension(dir / "staging", ".tif");
  CHECK(staged < 256);  // 16 x 16 planned: it did not run to the end
  CHECK(files_with_extension(dir / "staging", ".jsonl") == 0);

  // The process-wide SIGTERM flag alone does not stop it: the worker gives the task its grace.
  core::request_cancel(15);
  context.stop_requested = [] { return false; };
  fs::remove_all(dir / "staging");
  fs::create_directories(dir / "staging");
  const auto result = registry.find("tile")->run(task, context);
  core::reset_cancel();
  CHECK(files_with_extension(dir / "staging", ".tif") == 256);
  CHECK(result.outputs.size() == 256 + 2);  // the tiles, the task's manifest and index
}

TEST_CASE("fleet handlers: a detect task whose lease is lost writes no detections") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif");
  worker::HandlerRegistry registry;
  fleet::add_handlers(registry, {1, 64u << 20});
  const auto task = task_for("detect", scene, dir / "out", core::Json::Object{{"detector", "cfar"}});
  fs::create_directories(dir / "staging");
  worker::HandlerContext context;
  context.staging_dir = dir / "staging";
  context.stop_requested = [] { return true; };
  CHECK_THROWS_WITH_AS(registry.find("detect")->run(task, context), doctest::Contains("task stopped"), core::IoError);
  CHECK(fs::is_empty(dir / "staging"));
}

TEST_CASE("fleet handlers: a detect task's model card is a path it reads (checked against --allow-root)") {
  worker::HandlerRegistry registry;
  fleet::add_handlers(registry, {1, 64u << 20});
  queue::Task task;
  task.kind = "detect";
  task.options = core::Json::Object{{"detector", "onnx"}, {"model", "/models/ships.yaml"}};
  const auto reads = registry.find("detect")->reads(task);
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].role == "model");
  CHECK(reads[0].path == "/models/ships.yaml");
  task.options = core::Json::Object{{"detector", "cfar"}, {"model", ""}};
  CHECK(registry.find("detect")->reads(task).empty());
  CHECK(registry.find("tile")->reads(task).empty());
}

TEST_CASE("fleet: a library hint naming a local flag is worded for an enqueuer: the task option to set") {
  // A worker takes no flags: "give the range with --scale MIN,MAX" becomes the "scale" of --options.
  CHECK(fleet::task_option_named_in("give the range with --scale MIN,MAX", "tile") == "scale");
  CHECK(fleet::names_local_flag("pass --allow-pixel-coords"));
  CHECK_FALSE(fleet::names_local_flag("see `gdalinfo --formats`"));  // a command quoted, not a flag
  CHECK(fleet::task_option_named_in("see `gdalinfo --formats`", "tile").empty());
}

TEST_CASE("fleet handlers: a scene a local run listed is refused; once that manifest is gone the retry runs at once") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 64, .height = 64});
  worker::HandlerRegistry registry;
  fleet::add_handlers(registry, {1, 64u << 20});
  const auto task = task_for("tile", scene, dir / "out", core::Json::Object{{"size", 32}});
  auto local = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(local);
  fs::create_directories(dir / "staging");
  worker::HandlerContext context;
  context.staging_dir = dir / "staging";
  context.stop_requested = [] { return false; };
  CHECK_THROWS_WITH_AS(registry.find("tile")->run(task, context),
                       doctest::Contains("'tiles.jsonl' lists the tiles of scene 'scene'"), core::DataError);
  // As the hint says: that run's manifest removed, the task retried on the same worker within the minute (was:
  // refused again from the listing it had kept).
  fs::remove(dir / "out/tiles.jsonl");
  CHECK_NOTHROW(registry.find("tile")->run(task, context));
}

TEST_CASE("fleet handlers: a tile task run again keeps no file of its last run that its new manifest does not list") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 64, .height = 64});
  worker::HandlerRegistry registry;
  fleet::add_handlers(registry, {1, 64u << 20});
  const auto task = task_for("tile", scene, dir / "out", core::Json::Object{{"size", 32}});
  worker::HandlerContext context;
  context.stop_requested = [] { return false; };
  const auto run_and_move = [&](const std::string& staging) {
    fs::create_directories(staging);
    context.staging_dir = staging;
    const auto result = registry.find("tile")->run(task, context);
    // As the worker does: the guard's hash is the one the commit recorded.
    const worker::EarlierFiles earlier{result.stale, result.stale_guard,
                                       raster::sha256_file_hex(staging + "/" + result.stale_guard)};
    worker::move_into_place(staging, dir / "out", result.outputs, earlier);
    return result;
  };
  // As the worker names them: <output>/.swath-staging/<task>.<token>.
  CHECK(run_and_move(dir / "out/.swath-staging/t1.first").stale.empty());  // nothing there before
  REQUIRE(files_with_extension(dir / "out", ".tif") == 4);

  // The scene rewritten at half its width (enqueue --force): its right column of tiles is off the new grid.
  fs::remove(scene);
  test::make_scene(scene, {.width = 32, .height = 64});
  // One of them is no longer what the manifest recorded (someone's file now): it stays.
  const std::string theirs = dir / "out/scene/r000001_c000001.tif";
  { std::ofstream(theirs) << "not a tile"; }
  const auto again = run_and_move(dir / "out/.swath-staging/t1.second");
  CHECK(again.stale.size() == 2);
  CHECK(again.stale.count("scene/r000000_c000001.tif") == 1);
  CHECK_FALSE(fs::exists(dir / "out/scene/r000000_c000001.tif"));
  CHECK(fs::exists(theirs));
  CHECK(fs::exists(dir / "out/scene/r000000_c000000.tif"));
  CHECK(files_with_extension(dir / "out", ".tif") == 3);  // the two tiles of the new grid, and theirs
}

TEST_CASE("fleet: an earlier manifest's lines that name no plain path under the output are never stale tiles") {
  test::ScratchDir dir;
  fs::create_directories(dir / "out");
  {
    std::ofstream manifest(dir / "out/tiles.t1.jsonl");
    manifest << R"({"schema":"swath.tiles/1"})"
             << "\n"
             << R"({"id":"a","status":"written","path":"s/a.tif","bytes":5})"
             << "\n"
             << R"({"id":"b","status":"written","path":"../b.tif","bytes":5})"
             << "\n"
             << R"({"id":"c","status":"written","path":"/etc/c.tif","bytes":5})"
             << "\n"
             << R"({"id":"d","status":"blank"})"
             << "\n"
             << R"({"id":"e","status":"written","path":"s/e.tif","bytes":5})"
             << "\n";
  }
  const auto stale = fleet::earlier_tiles_not_kept(dir / "out", "tiles.t1.jsonl", {"s/e.tif"});
  CHECK(stale == std::map<std::string, std::uint64_t>{{"s/a.tif", 5}});
  CHECK(fleet::earlier_tiles_not_kept(dir / "out", "tiles.none.jsonl", {}).empty());
}

TEST_CASE("fleet: a shard run again leaves a cell of the new grid that another shard owns now; its own go") {
  test::ScratchDir dir;
  fs::create_directories(dir / "out");
  fs::create_directories(dir / "staged");
  // Shard 1 of 2 of a 2×2 grid had cells 1 and 3; the scene, rewritten one column wide, has a 2×1 grid where
  // shard 1 holds cell 1 (r1 c0, blank now) and r0 c0 is shard 0's.
  {
    std::ofstream old(dir / "out/tiles.t1.shard-1-of-2.jsonl");
    old << R"({"schema":"swath.tiles/1","scenes":[{"name":"s","rows":2,"columns":2}]})"
        << "\n";
    for (const char* cell : {"r000000_c000001", "r000001_c000001", "r000000_c000000", "r000001_c000000"})
      old << R"({"id":"s/)" << cell << R"(","status":"written","path":"s/)" << cell << R"(.tif","bytes":5})"
          << "\n";
    std::ofstream now(dir / "staged/tiles.t1.shard-1-of-2.jsonl");
    now << R"({"schema":"swath.tiles/1","scenes":[{"name":"s","rows":2,"columns":1}]})"
        << "\n"
        << R"({"id":"s/r000001_c000000","scene":"s","status":"blank"})"
        << "\n";
  }
  const auto stale = fleet::earlier_tiles_left(dir / "out", "tiles.t1.shard-1-of-2.jsonl",
                                               dir / "staged/tiles.t1.shard-1-of-2.jsonl", "tif");
  CHECK(stale == std::map<std::string, std::uint64_t>{
                     {"s/r000000_c000001.tif", 5}, {"s/r000001_c000001.tif", 5}, {"s/r000001_c000000.tif", 5}});
}

TEST_CASE("fleet: a shard's cell, blank now, keeps no file that another shard wrote there last time") {
  test::ScratchDir dir;
  fs::create_directories(dir / "out/s");
  fs::create_directories(dir / "staged");
  {
    // Last time shard 1 wrote r0 c1 (and may have replaced its manifest since); the grid's width changed and the
    // cell is shard 0's now, and blank.
    std::ofstream own(dir / "out/tiles.a.shard-0-of-2.jsonl");
    own << R"({"schema":"swath.tiles/1","scenes":[{"name":"s","rows":1,"columns":2}]})"
        << "\n";
    std::ofstream(dir / "out/s/r000000_c000001.tif") << "shard 1's";
    std::ofstream now(dir / "staged/tiles.a.shard-0-of-2.jsonl");
    now << R"({"schema":"swath.tiles/1","scenes":[{"name":"s","rows":1,"columns":3}]})"
        << "\n"
        << R"({"id":"s/r000000_c000001","scene":"s","status":"blank"})"
        << "\n";
  }
  const auto stale = fleet::earlier_tiles_left(dir / "out", "tiles.a.shard-0-of-2.jsonl",
                                               dir / "staged/tiles.a.shard-0-of-2.jsonl", "tif");
  CHECK(stale == std::map<std::string, std::uint64_t>{{"s/r000000_c000001.tif", 9}});
}
