// Describing scenes: a GeoTIFF cut short is told apart from one that simply lacks a CRS.
#include "raster/scene.hpp"

#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

raster::SceneInfo describe(const std::string& path) { return raster::describe_scene(*raster::open_scene(path), path); }

}  // namespace

TEST_CASE("scene: a GeoTIFF whose last block lies past its end is truncated; a whole one, or another format, is not") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 300;
  spec.height = 300;
  spec.creation_options = {"TILED=YES", "COMPRESS=DEFLATE"};
  const auto whole = test::make_scene(dir / "whole.tif", spec);
  const auto info = describe(whole);
  CHECK(info.truncated.empty());
  CHECK_NOTHROW(raster::require_whole(info));

  const auto bytes = core::read_file(whole);
  test::write_text(dir / "cut.tif", bytes.substr(0, bytes.size() * 3 / 4));
  const auto cut = describe(dir / "cut.tif");
  CHECK(cut.truncated.find("its last block ends at byte ") == 0);
  CHECK(cut.truncated.find(", the file has " + std::to_string(bytes.size() * 3 / 4) + " bytes") != std::string::npos);
  const std::string expected = "scene '" + (dir / "cut.tif") + "': the file is truncated: ";
  CHECK_THROWS_WITH_AS(raster::require_whole(cut), doctest::Contains(expected.c_str()), core::DataError);

  spec.creation_options = {};  // strips, not tiles: the same check
  const auto striped = test::make_scene(dir / "striped.tif", spec);
  const auto striped_bytes = core::read_file(striped);
  test::write_text(dir / "striped-cut.tif", striped_bytes.substr(0, striped_bytes.size() - 10));
  CHECK(describe(striped).truncated.empty());
  CHECK_FALSE(describe(dir / "striped-cut.tif").truncated.empty());

  auto source = raster::open_scene(whole);  // the VRT refers to it until it is closed
  GDALDatasetUniquePtr vrt(GDALDataset::FromHandle(GDALCreateCopy(GDALGetDriverByName("VRT"), (dir / "s.vrt").c_str(),
                                                                  source.get(), FALSE, nullptr, nullptr, nullptr)));
  REQUIRE(vrt);
  vrt.reset();
  CHECK(describe(dir / "s.vrt").truncated.empty());
}

TEST_CASE("scene: a missing archive, or a missing file in one, is named as such, not as 'not a raster'") {
  test::ScratchDir dir;
  CHECK_THROWS_WITH_AS(raster::open_scene("/vsizip/" + (dir / "nope.zip") + "/a.tif"),
                       doctest::Contains("no such archive, or no such file in it"), core::IoError);
  test::write_text(dir / "not-a-raster.txt", "hello");
  CHECK_THROWS_WITH_AS(raster::open_scene(dir / "not-a-raster.txt"), doctest::Contains("not a raster GDAL can read"),
                       core::IoError);
}

TEST_CASE("scene: what a scene lacks to be georeferenced is named exactly") {
  raster::SceneInfo info;
  CHECK(info.missing_georeferencing() == "no CRS or geotransform");
  info.geotransform = core::GeoTransform{};
  CHECK(info.missing_georeferencing() == "no CRS");  // detect said "no CRS or geotransform" for a scene with one
  info.crs_wkt = "GEOGCS[...]";
  CHECK(info.missing_georeferencing().empty());
  info.geotransform.reset();
  CHECK(info.missing_georeferencing() == "no geotransform");
}

TEST_CASE(
    "scene: a network path GDAL cannot reach is named as such, with the credentials to check, not 'not a raster'") {
  // Port 9 (discard) on the loopback: refused at once, no network needed.
  CHECK_THROWS_WITH_AS(raster::open_scene("/vsicurl/http://127.0.0.1:9/x.tif"),
                       doctest::Contains("cannot reach it: no such object, no network, or no credentials"),
                       core::IoError);
  try {
    raster::open_scene("/vsicurl/http://127.0.0.1:9/x.tif");
  } catch (const core::IoError& e) {
    CHECK(e.hint().find("AWS_NO_SIGN_REQUEST=YES for a public bucket") != std::string::npos);
  }
}
