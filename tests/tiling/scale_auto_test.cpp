// --scale auto: one percentile stretch per scene, recorded in the manifest, the same for every tile and shard.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <numeric>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;

namespace {

// 256² uint16 "sea" of 200..599 with a long tail: bright 60000 pixels (0.5%, in every block, so an
// approximate min/max sees them), like the ships of a SAR scene.
std::string long_tail_scene(const test::ScratchDir& dir) {
  test::SceneSpec spec;
  spec.width = 256;
  spec.height = 256;
  spec.bands = 1;
  spec.pixel = [](int, int x, int y) { return x % 61 == 3 && y % 4 == 1 ? 60000.0 : 200.0 + (x * 7 + y * 13) % 400; };
  return test::make_scene(dir / "sea.tif", spec);
}

double mean_of(const std::string& png) {
  GDALDatasetUniquePtr tile(GDALDataset::Open(png.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(tile);
  const auto values = test::read_band(*tile, 1);
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

core::Json scale_ranges(const std::string& manifest) {
  return core::Json::parse(test::lines(core::read_file(manifest)).front())
      .at("scenes")
      .as_array()
      .at(0)
      .at("scale_ranges");
}

}  // namespace

TEST_CASE("tile: --scale auto stretches the 2nd to 98th percentile, so a few bright pixels do not darken the tiles") {
  test::ScratchDir dir;
  const auto scene = long_tail_scene(dir);
  auto options = test::tile_options(scene, dir / "whole", 64);
  options.format = tiling::Format::png;  // --scale auto is the default
  REQUIRE(tiling::tile_scenes(options).written == 16);

  const auto ranges = scale_ranges(dir / "whole/tiles.jsonl");
  REQUIRE(ranges.as_array().size() == 1);
  const auto& range = ranges.as_array().at(0).as_array();
  REQUIRE(range.size() == 2);
  const double low = range[0].as_double(), high = range[1].as_double();
  CHECK(low >= 200);  // about the 2nd percentile of 200..599: 208
  CHECK(low <= 220);
  CHECK(high >= 580);  // about the 98th: 591, far below the 60000 of the tail
  CHECK(high <= 599);
  for (const auto& line : test::manifest_lines(dir / "whole")) {
    if (line.find("path") == nullptr) continue;
    const double mean = mean_of(dir / ("whole/" + line.at("path").as_string()));
    CAPTURE(line.at("id").as_string());
    CHECK(mean > 90);  // a stretch over min..max would put the sea at about 1/255
    CHECK(mean < 165);
  }

  // The range is the scene's, not the tiles': each shard computes the same one and writes identical tiles.
  for (int i = 0; i < 2; ++i) {
    const std::string out = dir / ("shard" + std::to_string(i));
    auto shard = test::tile_options(scene, out, 64);
    shard.format = tiling::Format::png;
    shard.shard = {i, 2};
    REQUIRE(tiling::tile_scenes(shard).written == 8);
    CHECK(scale_ranges(out + "/tiles.shard-" + std::to_string(i) + "-of-2.jsonl") == ranges);
    for (const auto& [path, content] : test::tree(out)) {
      if (path.rfind("sea/", 0) == 0) CHECK(content == core::read_file(dir / ("whole/" + path)));
    }
  }
}
