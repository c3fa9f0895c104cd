// End to end: a geographic scene whose geotransform puts rows past a pole is refused by detect and tile (chips),
// rather than writing latitudes of 95° into GeoJSON and manifests.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <filesystem>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// A Byte scene in EPSG:4326 whose top row is at latitude `top`, 0.1° pixels, 100 × 150 px.
std::string geographic_scene(const std::string& path, double top) {
  test::make_scene(path, {.width = 100, .height = 150, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                            return (x * 7 + y * 3) % 200;
                          }});
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
  REQUIRE(dataset);
  double gt[6] = {170, 0.1, 0, top, 0, -0.1};
  REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  REQUIRE(dataset->SetSpatialRef(&wgs84) == CE_None);
  return path;
}

}  // namespace

TEST_CASE("detect and tile: a geographic scene reaching latitude 95 is refused (exit 1); one ending at 90 is not") {
  test::ScratchDir dir;
  const auto bad = geographic_scene(dir / "past.tif", 95);
  auto r = test::swath({"detect", bad, "--detector", "cfar", "--cfar-units", "pixels", "-o", dir / "d.geojson"});
  CHECK(r.exit_code == 1);  // was 0, with features up to latitude 94.96
  CHECK_MESSAGE(r.err.find("scene '" + bad + "': its rows reach latitude 95°, past the pole") != std::string::npos,
                r.err);
  CHECK_FALSE(fs::exists(dir / "d.geojson"));
  r = test::swath({"tile", bad, "-o", dir / "tiles", "--size", "64"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("past the pole") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "tiles/tiles.jsonl"));

  const auto polar = geographic_scene(dir / "polar.tif", 90);  // 90 down to 75: on the Earth
  r = test::swath({"tile", polar, "-o", dir / "polar-tiles", "--size", "64"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("detect: the chips of a scene ending at the south pole pad past it, and are detected in, not refused") {
  test::ScratchDir dir;
  const auto scene = geographic_scene(dir / "south.tif", -75);  // -75 down to -90
  auto r = test::swath({"tile", scene, "-o", dir / "tiles", "--size", "64"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(
      {"detect", dir / "tiles/tiles.jsonl", "--detector", "cfar", "--cfar-units", "pixels", "-o", dir / "d.geojson"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);  // was 1: a last-row chip's padding reaches -99.9
  CHECK(r.err.find("past the pole") == std::string::npos);
}

TEST_CASE("enqueue: a geographic scene reaching past a pole is refused (exit 2) for tile and detect") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto bad = geographic_scene(dir / "past.tif", 95);
  // Was: queued (exit 0), then dead on the worker.
  for (const std::string kind : {"tile", "detect"}) {
    CAPTURE(kind);
    const auto r =
        test::swath(test::with_queue(redis, "pole",
                                     {"enqueue", "--kind", kind, bad, "--output", dir / kind, "--options",
                                      kind == "tile" ? "{}" : R"({"detector":"cfar","cfar_units":"pixels"})"}));
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("scene '" + bad + "': its rows reach latitude 95°, past the pole") != std::string::npos,
                  r.err);
  }
  CHECK(redis.cli({"LLEN", "swath:{pole}:ready"}) == "0");
}
