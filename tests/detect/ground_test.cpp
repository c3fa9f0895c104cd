// detect::ground_pixels and prepare_scene's measure: sizes in metres are ground metres whatever the CRS.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <cmath>
#include <string>

#include "detect/ground.hpp"
#include "detect/scene_setup.hpp"

using namespace swath;

namespace {

std::string wkt_of(int epsg) {
  OGRSpatialReference srs;
  REQUIRE(srs.importFromEPSG(epsg) == OGRERR_NONE);
  char* text = nullptr;
  srs.exportToWkt(&text);
  std::string out = text;
  CPLFree(text);
  return out;
}

raster::SceneInfo scene(int epsg, std::array<double, 6> geotransform, std::int64_t size = 1000) {
  raster::SceneInfo info;
  info.path = "scene.tif";
  info.width = info.height = size;
  info.geotransform = core::GeoTransform{geotransform};
  info.crs_wkt = wkt_of(epsg);
  return info;
}

detect::GroundPixel centre_of(const raster::SceneInfo& info) {
  const auto ground =
      detect::ground_pixels(info, {{static_cast<double>(info.width) / 2, static_cast<double>(info.height) / 2}});
  REQUIRE(ground.size() == 1);
  REQUIRE(ground.front().has_value());
  return *ground.front();
}

}  // namespace

TEST_CASE("ground pixels: UTM is ground metres to its scale factor, also for pixels that are not square") {
  // On UTM 31N's central meridian the scale is 0.9996: a 10 m grid step is 10.004 m on the ground.
  const auto square = centre_of(scene(32631, {495000, 10, 0, 5600000, 0, -10}));
  CHECK(square.width_m == doctest::Approx(10 / 0.9996).epsilon(1e-4));
  CHECK(square.height_m == doctest::Approx(10 / 0.9996).epsilon(1e-4));
  const auto oblong = centre_of(scene(32631, {495000, 5, 0, 5600000, 0, -10}));
  CHECK(oblong.width_m == doctest::Approx(5 / 0.9996).epsilon(1e-4));
  CHECK(oblong.height_m == doctest::Approx(10 / 0.9996).epsilon(1e-4));
}

TEST_CASE("ground pixels: Web Mercator's and degrees' pixels are measured on the ground, by latitude") {
  // Web Mercator at 60°N (y = R ln tan(45° + 30°)): a 10 m step is 10 cos 60° on a sphere; on WGS84's ellipsoid
  // the prime vertical radius there is 1.0025 R, the meridian's 1.0008 R (the projection is not conformal on it).
  const double y60 = 6378137 * std::log(std::tan(M_PI / 4 + M_PI / 6));
  const auto mercator = centre_of(scene(3857, {-5000, 10, 0, y60 + 5000, 0, -10}));
  CHECK(mercator.width_m == doctest::Approx(5 * 1.00252).epsilon(1e-3));
  CHECK(mercator.height_m == doctest::Approx(5 * 1.00083).epsilon(1e-3));
  // EPSG:4326 (latitude first by its definition; a geotransform's x is the longitude all the same) at 60°N:
  // 1e-4° of longitude is 5.58 m there, 1e-4° of latitude 11.14 m (the meridian's radius of curvature).
  const auto degrees = centre_of(scene(4326, {10 - 0.05, 1e-4, 0, 60 + 0.05, 0, -1e-4}));
  CHECK(degrees.width_m == doctest::Approx(5.5800).epsilon(2e-3));
  CHECK(degrees.height_m == doctest::Approx(11.1412).epsilon(2e-3));
  // Across the antimeridian a step is short, not the long way round.
  const auto across = detect::ground_pixels(scene(4326, {179.5, 1.0, 0, 1, 0, -1.0}), {{0.5, 0.5}});
  REQUIRE(across.size() == 1);
  REQUIRE(across.front().has_value());
  CHECK(across.front()->width_m == doctest::Approx(111320).epsilon(1e-2));
}

TEST_CASE("ground pixels: a polar stereographic scene centred on the pole, and corners off a geostationary disk") {
  // EPSG:3031 (true scale at 71°S): a 500 m grid pixel at the pole is 500 / 0.9728 m on the ground, both ways (it
  // was measured 807 m: its edges' midpoints lie at longitudes 180° apart).
  const auto pole = centre_of(scene(3031, {-250000, 500, 0, 250000, 0, -500}));
  CHECK(pole.width_m == doctest::Approx(500 / 0.97276).epsilon(2e-3));
  CHECK(pole.height_m == doctest::Approx(500 / 0.97276).epsilon(2e-3));
  // A geostationary full disk: its centre is measured whatever its corners (in space) give.
  auto disk = scene(4326, {-5500000, 3000, 0, 5500000, 0, -3000}, 3667);
  disk.crs_wkt = R"(PROJCS["GEOS",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],)"
                 R"(PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Geostationary_Satellite"],)"
                 R"(PARAMETER["central_meridian",0],PARAMETER["satellite_height",35785831],)"
                 R"(PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1]])";
  const auto ground = detect::ground_pixels(disk, {{3667.0 / 2, 3667.0 / 2}, {0, 0}});
  REQUIRE(ground.size() == 2);
  REQUIRE(ground[0].has_value());
  CHECK(ground[0]->width_m == doctest::Approx(3000).epsilon(2e-2));  // at the sub-satellite point, about the grid's
  CHECK_FALSE(ground[1].has_value());                                // the corner is off the Earth
}

TEST_CASE("ground pixels: a CRS that cannot be taken to longitude/latitude has no ground size") {
  auto info = scene(32631, {0, 1, 0, 0, 0, -1});
  info.crs_wkt = R"(LOCAL_CS["arbitrary",UNIT["metre",1],AXIS["x",EAST],AXIS["y",NORTH]])";
  CHECK(detect::ground_pixels(info, {{0, 0}}).empty());
  info.crs_wkt.clear();
  CHECK(detect::ground_pixels(info, {{0, 0}}).empty());
}

TEST_CASE("prepare_scene: a Web Mercator scene's sizes are ground sizes (they were grid units, 2x at 60°N)") {
  GDALAllRegister();
  const std::string path = "/vsimem/ground_test_3857.tif";
  {
    auto* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
    std::unique_ptr<GDALDataset> ds(driver->Create(path.c_str(), 64, 32, 1, GDT_Byte, nullptr));
    REQUIRE(ds != nullptr);
    double gt[6] = {0, 10, 0, 6378137 * std::log(std::tan(M_PI / 4 + M_PI / 6)), 0, -10};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(3857);
    ds->SetSpatialRef(&srs);
  }
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER));
  REQUIRE(ds != nullptr);
  const auto prepared = detect::prepare_scene(*ds, path, false);
  CHECK(prepared.measure.pixel_width_m == doctest::Approx(5.01).epsilon(2e-3));
  CHECK(prepared.measure.pixel_height_m == doctest::Approx(5.01).epsilon(2e-3));
  CHECK(prepared.measure.pixel_metres() == doctest::Approx(5.01).epsilon(2e-3));
  ds.reset();
  VSIUnlink(path.c_str());
}
