// End to end: scenes refused for what they are, by tile, detect and enqueue: a rotated geotransform (not "no CRS"),
// one that places no pixel, complex pixels.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <cmath>
#include <filesystem>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// rotated.tif: 128² uint16 pixels on a grid turned by 30°, with or without a CRS (UTM 31N).
std::string rotated_scene(const test::ScratchDir& dir, const std::string& name, bool with_crs) {
  const auto path = test::make_scene(dir / name, {.width = 128, .height = 128, .bands = 1, .georeferenced = false});
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
  REQUIRE(dataset);
  double transform[6] = {500000, 8.660254037844386, 5, 4000000, 5, -8.660254037844386};  // 10 m pixels, 30°
  REQUIRE(dataset->SetGeoTransform(transform) == CE_None);
  if (with_crs) {
    OGRSpatialReference utm;
    utm.importFromEPSG(32631);
    REQUIRE(dataset->SetSpatialRef(&utm) == CE_None);
  }
  return path;
}

const std::string kWhat =
    "its geotransform is rotated or sheared (rotation terms 5 and 5), which swath does not support";

}  // namespace

TEST_CASE("tile and detect: a rotated geotransform is named as the problem, with gdalwarp as the way out") {
  test::ScratchDir dir;
  for (const bool with_crs : {false, true}) {
    CAPTURE(with_crs);
    const auto scene = rotated_scene(dir, with_crs ? "rotated-utm.tif" : "rotated.tif", with_crs);
    auto r = test::swath({"tile", scene, "-o", dir / "tiles"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("swath tile: scene '" + scene + "': " + kWhat, 0) == 0);
    CHECK(contains(r.err, "(hint: make it north-up first, e.g. `gdalwarp " + scene + " north-up.tif`)"));
    CHECK_FALSE(fs::exists(dir / "tiles"));
    r = test::swath({"detect", scene, "-o", dir / "d.gpkg"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.rfind("swath detect: scene '" + scene + "': " + kWhat, 0) == 0);
    CHECK_FALSE(contains(r.err, "no CRS or geotransform"));
    CHECK(contains(r.err, "or pass --allow-pixel-coords"));
    CHECK_FALSE(fs::exists(dir / "d.gpkg"));
  }
  // Pixel coordinates need no map: allowed, and said.
  const auto r = test::swath({"detect", dir / "rotated-utm.tif", "-o", dir / "d.gpkg", "--allow-pixel-coords"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "has a rotated or sheared geotransform: writing PIXEL coordinates"));
}

TEST_CASE("enqueue: a rotated scene is refused (exit 2) for tile and detect, as a worker would refuse it") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = rotated_scene(dir, "rotated-utm.tif", true);
  // Was: queued (exit 0), then dead on the worker.
  auto r = test::swath(test::with_queue(redis, "rot", {"enqueue", "--kind", "tile", scene, "--output", dir / "t"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "swath enqueue: scene '" + scene + "': " + kWhat), r.err);
  const std::string cfar = R"("detector":"cfar","cfar_units":"pixels")";
  r = test::swath(test::with_queue(
      redis, "rot", {"enqueue", "--kind", "detect", scene, "--output", dir / "d", "--options", "{" + cfar + "}"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, kWhat), r.err);
  CHECK_MESSAGE(contains(r.err, R"(or --options '{"allow_pixel_coords":true}' writes pixel coordinates)"), r.err);
  CHECK(redis.cli({"LLEN", "swath:{rot}:ready"}) == "0");
  r = test::swath(test::with_queue(redis, "rot",
                                   {"enqueue", "--kind", "detect", scene, "--output", dir / "d", "--options",
                                    "{" + cfar + R"(,"allow_pixel_coords":true})"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("tile, detect and enqueue: a geotransform of pixel size 0, or a term not a number, is refused (exit 1)") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const std::string what = "scene '" + (dir / "flat.tif") + "': its geotransform (";
  for (const double width : {0.0, std::nan("")}) {
    CAPTURE(width);
    const auto scene = test::make_scene(dir / "flat.tif", {.width = 128, .height = 96, .bands = 4});
    {
      GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
      REQUIRE(dataset);
      double transform[6] = {630000, width, 0, 5770000, 0, width == 0 ? 0.0 : -5.0};
      REQUIRE(dataset->SetGeoTransform(transform) == CE_None);
    }
    // Was: the index detector divided by the pixel size and crashed (SIGSEGV); cfar and tile wrote nothing placed.
    for (const std::string detector : {"index", "cfar"}) {
      const auto r = test::swath({"detect", scene, "--detector", detector, "-o", dir / "d.gpkg"});
      CHECK_MESSAGE(r.exit_code == 1, r.err);
      CHECK(contains(r.err, what));
      CHECK(contains(r.err, "places no pixel on the map"));
      CHECK_FALSE(fs::exists(dir / "d.gpkg"));
    }
    auto r = test::swath({"tile", scene, "-o", dir / "tiles"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "places no pixel on the map"));
    CHECK_FALSE(fs::exists(dir / "tiles/tiles.jsonl"));
    r = test::swath(test::with_queue(redis, "flat", {"enqueue", "--kind", "tile", scene, "--output", dir / "t"}));
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "places no pixel on the map"));
  }
}

TEST_CASE("detect --detector index: a scene of absurdly small pixels (1e-12 m) is detected in, not crashed on") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "tiny.tif", {.width = 128, .height = 96, .bands = 4});
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset);
    double transform[6] = {630000, 1e-12, 0, 5770000, 0, -1e-12};
    REQUIRE(dataset->SetGeoTransform(transform) == CE_None);
  }
  // Was: its context in pixels left windows of no pixels, and an in-memory mask of 0×0 was used unchecked (SIGSEGV).
  const auto r =
      test::swath({"detect", scene, "--detector", "index", "--index-bands", "green=2,nir=4", "-o", dir / "d.gpkg"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE(
    "detect and 8-bit tiles: complex pixels (a SAR SLC) are refused with an amplitude recipe; GTiff chips keep them") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "slc.tif", {.width = 128, .height = 96, .bands = 1, .type = GDT_CFloat32});
  // Was: exit 0, detections made on the real part alone (an image in the imaginary part: none found).
  auto r = test::swath({"detect", scene, "-o", dir / "d.gpkg"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "its pixels are complex (CFloat32), and detectors read real values"), r.err);
  CHECK(contains(r.err, "--calc=\"numpy.abs(A)\""));
  CHECK_FALSE(fs::exists(dir / "d.gpkg"));
  r = test::swath({"tile", scene, "-o", dir / "png", "-f", "PNG", "--size", "64"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "PNG tiles (scaled to 8 bits) read real values"), r.err);
  r = test::swath({"tile", scene, "-o", dir / "chips", "--size", "64"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}
