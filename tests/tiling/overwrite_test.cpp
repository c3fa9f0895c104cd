// A run owns its output directory's tile set: other runs' manifests and journals, fleet-task manifests.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>

#include "core/errors.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

std::size_t tif_files(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.path().extension() == ".tif" ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("tile: fleet-task manifests of the same options are one tile set; another grid is refused, then replaced") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 64, .height = 64});  // 16-px tiles: 16
  // As the fleet's tile tasks commit them: tiles.<task-id>.jsonl, each task a slice of the grid.
  auto task = test::tile_options(scene, dir / "out", 16);
  task.manifest_name = "tiles.0123456789abcdef0123456789abcdef.jsonl";
  task.index_name = "tiles.0123456789abcdef0123456789abcdef.geojson";
  task.only_indices = {0, 1, 2, 3, 4, 5, 6, 7};
  tiling::tile_scenes(task);
  task.manifest_name = "tiles.fedcba9876543210fedcba9876543210.jsonl";
  task.index_name = "tiles.fedcba9876543210fedcba9876543210.geojson";
  task.only_indices = {8, 9, 10, 11, 12, 13, 14, 15};
  tiling::tile_scenes(task);
  CHECK(tif_files(dir / "out") == 16);

  // A local run of the same scene and options: its tiles.jsonl would list the tasks' tiles again.
  auto local = test::tile_options(scene, dir / "out", 16);
  CHECK_THROWS_WITH_AS(
      tiling::tile_scenes(local),
      doctest::Contains(
          "'tiles.0123456789abcdef0123456789abcdef.jsonl' lists the tiles of scene 'scene' with these options"),
      core::UsageError);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));

  local.grid.size = 32;
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(local),
                       doctest::Contains("(tiles.0123456789abcdef0123456789abcdef.jsonl: size 16; this run: size 32)"),
                       core::UsageError);
  local.overwrite = true;
  const auto report = tiling::tile_scenes(local);
  CHECK(report.removed == 12);
  CHECK(tif_files(dir / "out") == 4);
  for (const char* gone :
       {"tiles.0123456789abcdef0123456789abcdef.jsonl", "tiles.0123456789abcdef0123456789abcdef.geojson",
        "tiles.fedcba9876543210fedcba9876543210.jsonl", "tiles.fedcba9876543210fedcba9876543210.geojson"}) {
    CHECK_FALSE(fs::exists(dir / ("out/" + std::string(gone))));
  }
}

TEST_CASE("tile: a killed run's journal is a tile set too") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 64, .height = 64});
  auto killed = test::tile_options(scene, dir / "out", 16);
  killed.resources.threads = 1;
  std::atomic<int> polls{0};
  killed.stop = [&polls] { return ++polls > 6; };  // stops after a few tiles, as SIGINT would
  CHECK_THROWS_AS(tiling::tile_scenes(killed), core::Interrupted);
  REQUIRE(fs::exists(dir / "out/.tiles.jsonl.journal"));
  const auto left = tif_files(dir / "out");
  REQUIRE(left > 0);

  auto other = test::tile_options(scene, dir / "out", 32);
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(other), doctest::Contains(".tiles.jsonl.journal: size 16"),
                       core::UsageError);
  other.overwrite = true;
  const auto report = tiling::tile_scenes(other);
  CHECK(report.written == 4);
  CHECK(tif_files(dir / "out") == 4);
  CHECK_FALSE(fs::exists(dir / "out/.tiles.jsonl.journal"));
}

TEST_CASE("tile: a run naming fewer scenes than the manifest it replaces is refused; --overwrite removes their tiles") {
  test::ScratchDir dir;
  const auto a = test::make_scene(dir / "a.tif", {.width = 64, .height = 64});
  const auto b = test::make_scene(dir / "b.tif", {.width = 32, .height = 32});
  auto both = test::tile_options(a, dir / "out", 16);
  both.scenes = {a, b};
  CHECK(tiling::tile_scenes(both).written == 20);

  auto only_b = test::tile_options(b, dir / "out", 16);
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(only_b),
                       doctest::Contains("its tiles.jsonl lists the tiles of scene(s) 'a' this run does not name"),
                       core::UsageError);
  CHECK(tif_files(dir / "out") == 20);
  // More scenes, or the same ones in another order: the earlier tiles stay listed.
  auto more = both;
  more.scenes = {b, a};
  CHECK(tiling::tile_scenes(more).written == 20);

  only_b.overwrite = true;
  const auto report = tiling::tile_scenes(only_b);
  CHECK(report.removed == 16);
  CHECK(tif_files(dir / "out") == 4);
  CHECK_FALSE(fs::exists(dir / "out/a"));
}

TEST_CASE("tile: a copy of the manifest kept beside it (tiles.old.jsonl) is no fleet task's: --resume goes on") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 64, .height = 64});
  auto options = test::tile_options(scene, dir / "out", 16);
  tiling::tile_scenes(options);
  fs::copy_file(dir / "out/tiles.jsonl", dir / "out/tiles.old.jsonl");
  options.resume = true;
  CHECK(tiling::tile_scenes(options).reused == 16);
}

TEST_CASE("tile: creation options in another order are the same tile set (an older run recorded them as given)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  auto options = test::tile_options(scene, dir / "out", 32);
  options.creation_options = {"PREDICTOR=2", "COMPRESS=DEFLATE"};  // as given, unsorted: what swath recorded before
  tiling::tile_scenes(options);
  options.creation_options = {"COMPRESS=DEFLATE", "PREDICTOR=2"};
  CHECK_NOTHROW(tiling::tile_scenes(options));  // was: refused as a run of other options
  options.creation_options = {"COMPRESS=LZW", "PREDICTOR=2"};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("other options"), core::UsageError);
}
