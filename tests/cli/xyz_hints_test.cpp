// End to end: a scene a pyramid cannot place on WebMercator's world is refused with what to check (exit 1).
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <filesystem>
#include <string>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("tile --grid xyz: a scene wholly past WebMercator's ±85.0511° is refused with a hint (exit 1)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "arctic.tif",
      {.width = 50, .height = 20, .bands = 1, .type = GDT_Byte, .pixel = [](int, int, int) { return 50; }});
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset);
    double gt[6] = {0, 0.1, 0, 89, 0, -0.1};  // 0°..5°E, 89°N..87°N
    REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
    OGRSpatialReference srs;
    srs.importFromEPSG(4326);
    REQUIRE(dataset->SetSpatialRef(&srs) == CE_None);
  }
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", "3"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("nothing of it lies within WebMercator's ±85.0511° and ±180°") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("(hint: check its CRS and geotransform (gdalinfo)") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
}

TEST_CASE("tile and enqueue: a flag the grid would ignore is refused before any work (exit 2)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif");
  auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--size", "512"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("swath tile: --size with --grid xyz: it applies to chips (--grid chips) only") != std::string::npos,
      r.err);
  r = test::swath({"tile", scene, "-o", dir / "out", "--zoom", "3"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("(hint: add --grid xyz, or leave --zoom out)") != std::string::npos, r.err);
  // More shards than enqueue --shards takes. Was: exit 0, tiles.shard-0-of-1025.jsonl written.
  r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--shard", "0/1025"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--shard 0/1025: a pyramid is split into at most 1024 shards") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "out"));
  // Refused before Redis is asked (nothing listens on port 1).
  r = test::swath({"enqueue", "--redis", "redis://127.0.0.1:1/0", "--kind", "detect", scene, "--output", dir / "det",
                   "--grid", "xyz"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--grid: web-map options are for tile tasks") != std::string::npos, r.err);
}
