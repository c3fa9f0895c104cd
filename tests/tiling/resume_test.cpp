// --resume: what a previous run left is kept only when it is provably this run's tile.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("tile: --resume keeps intact tiles and redoes missing or damaged ones") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 96;
  spec.height = 64;
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);
  const auto complete = test::tree(dir / "out");
  fs::remove(dir / "out/scene/r000000_c000001.tif");
  test::write_text(dir / "out/scene/r000001_c000002.tif", "damaged");
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 4);
  CHECK(report.written == 2);
  CHECK(test::tree(dir / "out") == complete);

  options.creation_options = {"COMPRESS=LZW"};  // other options: nothing may be kept
  const auto redone = tiling::tile_scenes(options);
  CHECK(redone.reused == 0);
  CHECK(redone.written == 6);
  CHECK_FALSE(redone.warnings.empty());
}

TEST_CASE("tile: --resume redoes every tile of a scene replaced by another of the same name") {
  test::ScratchDir dir;
  test::SceneSpec small;
  small.width = 64;
  small.height = 64;
  const auto scene = test::make_scene(dir / "scene.tif", small);
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);

  test::SceneSpec large = small;  // same file name, other pixels and size: nothing of the first run applies
  large.width = 96;
  large.pixel = [](int b, int x, int y) { return b * 1000 + x * 7 + y; };
  test::make_scene(scene, large);
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 0);
  CHECK(report.written == 6);
  CHECK_FALSE(report.warnings.empty());
  options.resume = false;
  options.output_dir = dir / "reference";
  tiling::tile_scenes(options);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));
}

TEST_CASE("tile: --resume checks the file at the tile's own path, not the path a record names") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);
  const auto complete = test::tree(dir / "out");
  // A hand-edited (or foreign) manifest: tile r000000_c000000's record names r000000_c000001's intact file.
  auto lines = test::manifest_lines(dir / "out");
  lines[1].set("path", lines[2].at("path").as_string());
  lines[1].set("bytes", lines[2].at("bytes"));
  lines[1].set("sha256", lines[2].at("sha256"));
  std::string text;
  for (const auto& line : lines) text += line.dump() + "\n";
  test::write_text(dir / "out/tiles.jsonl", text);
  fs::remove(dir / "out/scene/r000000_c000000.tif");
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.written == 1);
  CHECK(test::tree(dir / "out") == complete);
}
