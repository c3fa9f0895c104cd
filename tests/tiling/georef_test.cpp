// Tile footprints in WGS84: a padded edge tile of a geographic scene stops at the poles; longitudes in -180..180.
#include <doctest/doctest.h>

#include <ogr_spatialref.h>

#include "tiling/georef.hpp"

using namespace swath;

namespace {
// A lon/lat scene of `width` × `height` pixels under geotransform `t`.
raster::SceneInfo lonlat_scene(std::int64_t width, std::int64_t height, const core::GeoTransform& t) {
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  char* wkt = nullptr;
  wgs84.exportToWkt(&wkt);
  raster::SceneInfo info;
  info.width = width;
  info.height = height;
  info.crs_wkt = wkt;
  CPLFree(wkt);
  info.geotransform = t;
  return info;
}
}  // namespace

TEST_CASE("georef: WGS84 bounds of a tile reaching past the poles stop at them") {
  const tiling::SceneGeoref georef(lonlat_scene(720, 360, core::GeoTransform{{-180, 0.5, 0, 90, 0, -0.5}}));
  REQUIRE(georef.has_wgs84());
  // The last 512-px tile of the row of 720: columns 512..1023, rows 0..511 (padded past 180 E and 90 S).
  const auto bounds = georef.wgs84_bounds(core::Window{512, 0, 512, 512});
  REQUIRE(bounds);
  CHECK(bounds->min_x == doctest::Approx(76));
  CHECK(bounds->max_x == doctest::Approx(-28));  // 332: across the antimeridian, west > east (was left past 180)
  CHECK(bounds->min_y == -90);
  CHECK(bounds->max_y == 90);
  // The CRS bounds stay the tile's own (its geotransform and pixels are what they are).
  CHECK(georef.crs_bounds(core::Window{512, 0, 512, 512})->max_x == doctest::Approx(332));
  const auto inside = georef.wgs84_bounds(core::Window{0, 0, 100, 100});
  CHECK(inside->min_x == doctest::Approx(-180));
  CHECK(inside->max_y == doctest::Approx(90));
  CHECK(inside->min_y == doctest::Approx(40));
}

TEST_CASE("georef: a 0-360 scene's tiles have longitudes in -180..180, west > east across the antimeridian") {
  // 178 E to 182 E (= 178 W).
  const tiling::SceneGeoref georef(lonlat_scene(400, 100, core::GeoTransform{{178, 0.01, 0, 10, 0, -0.01}}));
  const auto across = georef.wgs84_bounds(core::Window{100, 0, 200, 100});  // 179 E to 181 E
  REQUIRE(across);
  CHECK(across->min_x == doctest::Approx(179));
  CHECK(across->max_x == doctest::Approx(-179));
  const auto beyond = georef.wgs84_bounds(core::Window{300, 0, 100, 100});  // 181 E to 182 E
  REQUIRE(beyond);
  CHECK(beyond->min_x == doctest::Approx(-179));
  CHECK(beyond->max_x == doctest::Approx(-178));
  const auto whole = georef.wgs84_bounds(core::Window{0, 0, 40000, 100});  // 400 degrees wide, padded
  REQUIRE(whole);
  CHECK(whole->min_x == -180);
  CHECK(whole->max_x == 180);
}

TEST_CASE("georef: a polar stereographic tile with the pole on its corner spans every longitude") {
  OGRSpatialReference polar;
  polar.importFromEPSG(3413);  // NSIDC north polar stereographic
  char* wkt = nullptr;
  polar.exportToWkt(&wkt);
  raster::SceneInfo info;
  info.width = 400;
  info.height = 400;
  info.crs_wkt = wkt;
  CPLFree(wkt);
  info.geotransform = core::GeoTransform{{-200000, 1000, 0, 200000, 0, -1000}};  // 1 km pixels, the pole at its centre
  const tiling::SceneGeoref georef(info);
  const auto corner = georef.wgs84_bounds(core::Window{0, 0, 200, 200});  // the pole is its bottom-right corner
  REQUIRE(corner);
  CHECK(corner->min_x == -180);  // was -180..178.67: (179 E, 88 N), inside the tile, fell outside
  CHECK(corner->max_x == 180);
  CHECK(corner->max_y == doctest::Approx(90));
  const auto away = georef.wgs84_bounds(core::Window{0, 0, 100, 100});  // 100-200 km from the pole: a corner of it
  REQUIRE(away);
  CHECK(away->max_y < 90);
  CHECK(away->max_x - away->min_x < 180);
}
