// tile_scenes output formats: PNG scaling and nodata, COG/JPEG/WEBP tiles, band selection.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <cmath>

#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;

namespace {

GDALDatasetUniquePtr open(const std::string& path) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  return ds;
}

}  // namespace

TEST_CASE("tile: PNG scales non-Byte data to Byte and keeps nodata as 0") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 32;
  spec.height = 32;
  spec.bands = 1;
  spec.nodata = 65535;
  spec.pixel = [](int, int x, int y) { return y == 0 ? 65535.0 : 1000.0 + x * 100; };
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  options.format = tiling::Format::png;
  options.scale = {false, 1000, 4100};
  tiling::tile_scenes(options);
  auto tile = open(dir / "out/scene/r000000_c000000.png");
  CHECK(tile->GetRasterBand(1)->GetRasterDataType() == GDT_Byte);
  const auto values = test::read_band(*tile, 1);
  CHECK(values[0] == 0);                                        // nodata row
  CHECK(values[32] == 1);                                       // the minimum → 1 (0 is nodata)
  CHECK(values[32 + 31] == 255);                                // the maximum
  CHECK(values[32 + 10] == std::round(1 + 1000.0 / 3100 * 254));
  int has_nodata = 0;
  CHECK(tile->GetRasterBand(1)->GetNoDataValue(&has_nodata) == 0);
  CHECK(has_nodata == 1);
}

TEST_CASE("tile: COG, JPEG and WEBP tiles open with the right size and bands") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.type = GDT_Byte;
  spec.pixel = [](int b, int x, int y) { return (b * 60 + x * 3 + y * 2) % 256; };
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  for (auto format : {tiling::Format::cog, tiling::Format::jpeg, tiling::Format::webp}) {
    CAPTURE(tiling::format_name(format));
    auto options = test::tile_options(scene, dir / tiling::format_name(format), 32);
    options.format = format;
    const auto report = tiling::tile_scenes(options);
    CHECK(report.written == 4);
    auto tile = open(dir / (tiling::format_name(format) + "/scene/r000001_c000001." + tiling::file_extension(format)));
    CHECK(tile->GetRasterXSize() == 32);
    CHECK(tile->GetRasterCount() == 3);
  }
  auto cog = open(dir / "COG/scene/r000000_c000000.tif");
  CHECK(std::string(cog->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE")) == "COG");
}

TEST_CASE("tile: --bands picks and reorders bands, exactly") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 40;
  spec.height = 40;
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  options.bands = {3, 1};
  tiling::tile_scenes(options);
  auto tile = open(dir / "out/scene/r000001_c000001.tif");
  REQUIRE(tile->GetRasterCount() == 2);
  CHECK(test::pixel_at(*tile, 1, 2, 3) == spec.pixel(3, 34, 35));
  CHECK(test::pixel_at(*tile, 2, 2, 3) == spec.pixel(1, 34, 35));
}
