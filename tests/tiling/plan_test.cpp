// Pure planning: selections (shards, index lists), scene directory names, tile paths; pixel rules on blocks.
#include <doctest/doctest.h>

#include <cstring>

#include "core/errors.hpp"
#include "tiling/pixels.hpp"
#include "tiling/plan.hpp"

using namespace swath;
using tiling::Selection;

TEST_CASE("plan: a shard's next index and count agree with membership") {
  for (std::int64_t count : {1, 2, 5, 17}) {
    for (std::int64_t i = 0; i < count; ++i) {
      const Selection selection({i, count}, {});
      for (std::int64_t grid = 0; grid < 40; ++grid) {
        std::int64_t seen = 0;
        for (std::int64_t at = selection.next_from(0, grid); at < grid; at = selection.next_from(at + 1, grid)) {
          CHECK(selection.contains(at));
          ++seen;
        }
        CHECK(seen == selection.count_in(grid));
      }
    }
  }
}

TEST_CASE("plan: an index list, alone or with a shard") {
  const Selection listed({}, {9, 2, 2, 40});
  CHECK(listed.count_in(10) == 2);
  CHECK(listed.next_from(0, 10) == 2);
  CHECK(listed.next_from(3, 10) == 9);
  CHECK(listed.next_from(10, 10) == 10);
  CHECK(listed.largest_listed() == 40);
  const Selection both({1, 2}, {2, 3, 5, 6});
  CHECK(both.count_in(10) == 2);
  CHECK(both.next_from(0, 10) == 3);
}

TEST_CASE("plan: scene names from paths, and tile paths") {
  CHECK(tiling::scene_names({"/data/LC08 scene.tif", "/vsizip/a.zip/b.TIF", "plain"}) ==
        std::vector<std::string>{"LC08_scene", "b", "plain"});
  CHECK_THROWS_AS(tiling::scene_names({"/a/x.tif", "/b/x.jp2"}), core::UsageError);
  // Scenes named in other scripts keep their names (they used to collide as underscores); what does not show, or is
  // not UTF-8, does not.
  CHECK(tiling::scene_names({"/d/\u6771\u4eac.tif", "/d/\u5927\u962a.tif", "/d/Z\u00fcrich 2024.tif"}) ==
        std::vector<std::string>{"\u6771\u4eac", "\u5927\u962a", "Z\u00fcrich_2024"});
  CHECK(tiling::scene_names({"a\u202eb.tif", "c\u00a0d\u200b.tif", "caf\xe9.tif", "x\xe6\x9d.tif", "v\ufe0f.tif"}) ==
        std::vector<std::string>{"a_b", "c_d_", "caf_", "x__", "v_"});
  tiling::GridWindow cell;
  cell.row = 3;
  cell.col = 12;
  CHECK(tiling::tile_relative_path("s", cell, tiling::Format::jpeg) == "s/r000003_c000012.jpg");
}

namespace {
raster::PixelBlock block_of(std::vector<std::uint16_t> band0, std::vector<std::uint16_t> band1, std::int64_t width) {
  raster::PixelBlock block;
  block.window = {0, 0, width, static_cast<std::int64_t>(band0.size()) / width};
  block.bands = {1, 2};
  block.type = GDT_UInt16;
  block.data.resize(block.band_stride() * 2);
  std::memcpy(block.data.data(), band0.data(), block.band_stride());
  std::memcpy(block.data.data() + block.band_stride(), band1.data(), block.band_stride());
  return block;
}
}  // namespace

TEST_CASE("pixels: blank means every band with nodata at nodata, or alpha 0, or padding") {
  // 4×2: pixel 0 nodata in both bands, pixel 1 in one band only (not blank), pixels 2.. data.
  const auto block = block_of({0, 0, 5, 5, 5, 5, 5, 5}, {0, 9, 9, 9, 9, 9, 9, 9}, 4);
  raster::NoDataRule rule{{0.0, 0.0}, -1};
  CHECK(tiling::is_blank(block, block.window, rule, 1.0 / 8));
  CHECK_FALSE(tiling::is_blank(block, block.window, rule, 2.0 / 8));
  CHECK_FALSE(tiling::is_blank(block, block.window, rule, 0));
  const core::Window inside{0, 0, 2, 2};  // half the window is padding
  CHECK(tiling::is_blank(block, inside, raster::NoDataRule{{std::nullopt, std::nullopt}, -1}, 0.5));
  CHECK(tiling::is_blank(block, inside, rule, 5.0 / 8));
  const auto alpha = block_of({1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 255, 255}, 4);
  CHECK(tiling::is_blank(alpha, alpha.window, raster::NoDataRule{{std::nullopt, std::nullopt}, 1}, 0.75));
  CHECK_FALSE(tiling::is_blank(alpha, alpha.window, raster::NoDataRule{{std::nullopt, std::nullopt}, 1}, 0.8));
}

TEST_CASE("pixels: Byte scaling clamps, rounds and keeps 0 for nodata") {
  const auto block = block_of({100, 200, 300, 999}, {0, 50, 100, 150}, 4);
  const auto scaled = tiling::scale_to_byte(block, 2, {{100, 300}, {0, 150}}, {std::nullopt, 0.0});
  const auto* b0 = reinterpret_cast<const unsigned char*>(scaled.band_data(0));
  const auto* b1 = reinterpret_cast<const unsigned char*>(scaled.band_data(1));
  CHECK(std::vector<int>(b0, b0 + 4) == std::vector<int>{0, 128, 255, 255});
  CHECK(std::vector<int>(b1, b1 + 4) == std::vector<int>{0, 86, 170, 255});
}
