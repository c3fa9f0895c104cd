// The XYZ grid against numbers computed independently with gdal2tiles' GlobalMercator (GDAL 3.6, python3) and
// known tiles of known places.
#include <doctest/doctest.h>

#include <set>

#include "core/errors.hpp"
#include "webmap/mercator.hpp"

using namespace swath;
using webmap::TileKey;

TEST_CASE("mercator: resolutions and gdal2tiles' ZoomForPixelSize") {
  CHECK(webmap::resolution(0, 256) == doctest::Approx(156543.03392804097));
  CHECK(webmap::resolution(14, 256) == doctest::Approx(9.554628535647032));
  CHECK(webmap::resolution(3, 512) == doctest::Approx(9783.93962050256));
  // GlobalMercator(256).ZoomForPixelSize(ps) for these pixel sizes.
  CHECK(webmap::zoom_for_pixel_size(10, 256) == 13);
  CHECK(webmap::zoom_for_pixel_size(9.554, 256) == 14);
  CHECK(webmap::zoom_for_pixel_size(30, 256) == 12);
  CHECK(webmap::zoom_for_pixel_size(0.5, 256) == 18);
  CHECK(webmap::zoom_for_pixel_size(1e6, 256) == 0);
  CHECK(webmap::zoom_for_pixel_size(10, 512) == 12);
}

TEST_CASE("mercator: the tile of London at several zooms (OSM numbering)") {
  const core::Bounds point = webmap::lonlat_to_meters({-0.1276, 51.5072, -0.1276, 51.5072});
  CHECK(point.min_x == doctest::Approx(-14204.367025221709));
  CHECK(point.min_y == doctest::Approx(6711506.705400527));
  const std::vector<std::pair<int, std::pair<std::int64_t, std::int64_t>>> expected = {
      {0, {0, 0}}, {5, {15, 10}}, {10, {511, 340}}, {14, {8186, 5448}}};
  for (const auto& [z, xy] : expected) {
    const auto r = webmap::tiles_covering(point, z, 256);
    CHECK(r.count() == 1);
    CHECK(r.min_x == xy.first);
    CHECK(r.min_y == xy.second);
  }
}

TEST_CASE("mercator: a 6000 px scene at 10 m gets gdal2tiles' zooms and tile ranges") {
  const core::Bounds scene{1000000, 6000000 - 60000, 1060000, 6000000};
  const auto zooms = webmap::default_zooms(10, 6000, 6000, 256);
  CHECK(zooms.min == 9);
  CHECK(zooms.max == 13);
  // MetersToTile of both corners, then GoogleTile: x 268..269, y 179..180 at 9; x 4300..4312, y 2869..2881 at 13.
  const auto z9 = webmap::tiles_covering(scene, 9, 256);
  CHECK(z9.min_x == 268);
  CHECK(z9.max_x == 269);
  CHECK(z9.min_y == 179);
  CHECK(z9.max_y == 180);
  const auto z13 = webmap::tiles_covering(scene, 13, 256);
  CHECK(z13.min_x == 4300);
  CHECK(z13.max_x == 4312);
  CHECK(z13.min_y == 2869);
  CHECK(z13.max_y == 2881);
  CHECK(z13.count() == 13 * 13);
}

TEST_CASE("mercator: tile bounds, and the world clipped at ±85.0511°") {
  // GlobalMercator.TileBounds(8, 5, 4) is TMS row 5, which is XYZ row 16 - 1 - 5 = 10.
  const auto b = webmap::tile_bounds({4, 8, 10}, 256);
  CHECK(b.min_x == doctest::Approx(0.0));
  CHECK(b.min_y == doctest::Approx(-7514065.628545966));
  CHECK(b.max_x == doctest::Approx(2504688.542848654));
  CHECK(b.max_y == doctest::Approx(-5009377.085697312));
  const auto world = webmap::lonlat_to_meters({-180, -90, 180, 90});
  CHECK(world.max_y == doctest::Approx(webmap::origin_shift));
  CHECK(world.min_y == doctest::Approx(-webmap::origin_shift));
  CHECK(webmap::meters_to_lonlat(world).max_y == doctest::Approx(webmap::max_latitude));
  const auto clipped = webmap::clip_to_world({-3e7, 1e6, 3e7, 5e7});
  REQUIRE(clipped);
  CHECK(clipped->min_x == -webmap::origin_shift);
  CHECK(clipped->max_y == webmap::origin_shift);
  CHECK_FALSE(webmap::clip_to_world({2.1e7, 0, 3e7, 1}));
  CHECK(webmap::tiles_covering(world, 2, 256).count() == 16);
}

TEST_CASE("mercator: an extent east past the world's edge is two parts, the second taken round to the west edge") {
  const double os = webmap::origin_shift;
  const auto inside = webmap::world_parts({-1e6, 0, 1e6, 1e6});
  REQUIRE(inside.size() == 1);
  CHECK(inside[0].shift == 0);
  CHECK(inside[0].meters.max_x == 1e6);
  const auto across = webmap::world_parts({os - 5e4, 0, os + 7e4, 1e6});
  REQUIRE(across.size() == 2);
  CHECK(across[0].shift == 0);
  CHECK(across[0].meters.min_x == os - 5e4);
  CHECK(across[0].meters.max_x == os);
  CHECK(across[1].shift == 2 * os);
  CHECK(across[1].meters.min_x == -os);
  CHECK(across[1].meters.max_x == doctest::Approx(-os + 7e4));
  CHECK(across[1].meters.max_y == 1e6);
  // Each part's tiles: the last columns of the world and its first.
  CHECK(webmap::tiles_covering(across[0].meters, 10, 256).min_x == 1022);  // 50 km: two 39 km columns
  CHECK(webmap::tiles_covering(across[1].meters, 10, 256).min_x == 0);
  CHECK(webmap::tiles_covering(across[1].meters, 10, 256).max_x == 1);
  CHECK(webmap::world_parts({0, 0, os + 1e-4, 1}).size() == 1);  // rounding at the edge is no part
}

TEST_CASE("mercator: --zoom parsing refuses beyond 24 and inverted ranges") {
  CHECK(webmap::parse_zoom("6-14", "flag --zoom").min == 6);
  CHECK(webmap::parse_zoom("6-14", "flag --zoom").max == 14);
  CHECK(webmap::parse_zoom("3", "flag --zoom").max == 3);
  CHECK_THROWS_AS(webmap::parse_zoom("6-25", "flag --zoom"), core::UsageError);
  CHECK_THROWS_AS(webmap::parse_zoom("14-6", "flag --zoom"), core::UsageError);
  CHECK_THROWS_AS(webmap::parse_zoom("x", "flag --zoom"), core::UsageError);
  CHECK_THROWS_AS(webmap::parse_zoom("-3", "flag --zoom"), core::UsageError);
}

TEST_CASE("mercator: subtree roots cover the range once, depth-first, each parent's children together") {
  const core::Bounds scene{1000000, 6000000 - 60000, 1060000, 6000000};
  std::vector<webmap::TileRange> per_zoom;
  for (int z = 0; z <= 13; ++z) per_zoom.push_back(webmap::tiles_covering(scene, z, 256));
  const auto roots = webmap::subtree_roots({per_zoom}, {9, 13}, 11);
  const std::set<TileKey> unique(roots.begin(), roots.end());
  CHECK(unique.size() == roots.size());
  CHECK(static_cast<std::int64_t>(roots.size()) == per_zoom[11].count());
  // Once a root of another zoom-10 parent follows, that parent never comes back.
  std::set<TileKey> closed;
  for (std::size_t i = 1; i < roots.size(); ++i) {
    if (roots[i].parent() != roots[i - 1].parent()) closed.insert(roots[i - 1].parent());
    CHECK(closed.count(roots[i].parent()) == 0);
  }
}
