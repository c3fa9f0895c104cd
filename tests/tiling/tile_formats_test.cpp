// tile_scenes output formats: PNG scaling and nodata, COG/JPEG/WEBP tiles, band selection.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <cmath>
#include <optional>

#include "core/json.hpp"
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
  CHECK(values[0] == 0);          // nodata row
  CHECK(values[32] == 1);         // the minimum → 1 (0 is nodata)
  CHECK(values[32 + 31] == 255);  // the maximum
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

namespace {

std::optional<double> nodata_of(const std::string& path) {
  auto tile = open(path);
  int has = 0;
  const double value = tile->GetRasterBand(1)->GetNoDataValue(&has);
  return has ? std::optional<double>(value) : std::nullopt;
}

const core::Json* padding_note(const std::string& output) {
  static core::Json header;
  header = test::manifest_lines(output)[0];
  return header.at("scenes").as_array().at(0).find("padding_nodata");
}

}  // namespace

TEST_CASE(
    "tile: padded edge tiles of a scene without nodata declare nodata 0 in GTiff and COG, and the manifest says so") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});  // 64×48, no nodata: in 32-px tiles row 1 is padded
  for (auto format : {tiling::Format::gtiff, tiling::Format::cog}) {
    CAPTURE(tiling::format_name(format));
    const auto out = dir / tiling::format_name(format);
    auto options = test::tile_options(scene, out, 32);
    options.format = format;
    tiling::tile_scenes(options);
    CHECK_FALSE(nodata_of(out + "/scene/r000000_c000001.tif"));  // inside the scene: all data, no nodata
    CHECK(nodata_of(out + "/scene/r000001_c000001.tif") == 0.0);
    auto padded = open(out + "/scene/r000001_c000001.tif");
    CHECK(test::pixel_at(*padded, 1, 5, 15) == test::SceneSpec{}.pixel(1, 37, 47));  // the scene's last row
    CHECK(test::pixel_at(*padded, 1, 5, 16) == 0);                                   // padding
    REQUIRE(padding_note(out) != nullptr);
    CHECK(padding_note(out)->as_int() == 0);
  }
}

TEST_CASE("tile: padding keeps the scene's own nodata; no padding, shrunk edges and PNG declare nothing new") {
  test::ScratchDir dir;
  const auto with_nodata = test::make_scene(dir / "nodata.tif", {.nodata = 7.0});
  auto options = test::tile_options(with_nodata, dir / "own", 32);
  tiling::tile_scenes(options);
  CHECK(nodata_of(dir / "own/nodata/r000001_c000000.tif") == 7.0);
  CHECK(nodata_of(dir / "own/nodata/r000000_c000000.tif") == 7.0);
  CHECK(padding_note(dir / "own") == nullptr);

  const auto plain = test::make_scene(dir / "scene.tif", {});
  options = test::tile_options(plain, dir / "shrink", 32);
  options.grid.edge = tiling::Edge::shrink;
  tiling::tile_scenes(options);
  CHECK_FALSE(nodata_of(dir / "shrink/scene/r000001_c000000.tif"));
  CHECK(padding_note(dir / "shrink") == nullptr);

  options = test::tile_options(plain, dir / "fits", 16);  // 64×48 in 16-px tiles: nothing is padded
  tiling::tile_scenes(options);
  CHECK_FALSE(nodata_of(dir / "fits/scene/r000002_c000003.tif"));
  CHECK(padding_note(dir / "fits") == nullptr);

  options = test::tile_options(plain, dir / "png", 32);
  options.format = tiling::Format::png;
  options.scale = {false, 0, 65535};
  tiling::tile_scenes(options);
  CHECK_FALSE(nodata_of(dir / "png/scene/r000001_c000000.png"));
  CHECK(padding_note(dir / "png") == nullptr);
}
