// End to end: `swath tile` run again over its own output — a scene rewritten in place, tiles that now fail.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("cli tile: --resume over a scene rewritten with corrupt blocks redoes it: exit 3, no file for a failed tile") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 128, .height = 96, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 40 + x + y) % 256; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  const std::vector<std::string> args{"tile", scene, "-o", dir / "out", "--size", "64", "--overlap", "32", "--json"};
  REQUIRE(test::swath(args).exit_code == 0);
  CHECK(fs::exists(dir / "out/scene/r000001_c000001.tif"));
  test::corrupt_block(scene, 1, 1);  // same size, bands and type: only the content says it changed

  auto resume = args;
  resume.push_back("--resume");
  const auto r = test::swath(resume);
  CHECK(r.exit_code == 3);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("skipped_resumed").as_int() == 0);
  CHECK(summary.at("failed").as_int() == 4);
  CHECK(summary.at("written").as_int() == 2);
  CHECK(summary.at("warnings").dump().find("scene 'scene' differs from the previous run's") != std::string::npos);
  std::size_t failed = 0;
  for (const auto& line : test::manifest_lines(dir / "out")) {
    if (line.find("status") == nullptr || line.at("status").as_string() != "failed") continue;
    ++failed;
    CHECK_FALSE(fs::exists(dir / ("out/" + line.at("id").as_string() + ".tif")));
  }
  CHECK(failed == 4);
  CHECK_FALSE(fs::exists(dir / "out/scene/r000001_c000001.tif"));
}
