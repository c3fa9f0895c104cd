// Hilbert tile ids against the values published with the reference implementations (protomaps/PMTiles js tests,
// go-pmtiles tile_id_test.go), round trips and the zoom limits.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "pmtiles/tile_id.hpp"

using namespace swath;
using pmtiles::TileCoord;

TEST_CASE("pmtiles tile ids: the reference implementations' vectors") {
  CHECK(pmtiles::zxy_to_tile_id(0, 0, 0) == 0);
  CHECK(pmtiles::zxy_to_tile_id(1, 0, 0) == 1);
  CHECK(pmtiles::zxy_to_tile_id(1, 0, 1) == 2);
  CHECK(pmtiles::zxy_to_tile_id(1, 1, 1) == 3);
  CHECK(pmtiles::zxy_to_tile_id(1, 1, 0) == 4);
  CHECK(pmtiles::zxy_to_tile_id(2, 0, 0) == 5);
  CHECK(pmtiles::zxy_to_tile_id(12, 3423, 1763) == 19078479);
  CHECK(pmtiles::tile_id_to_zxy(0) == TileCoord{0, 0, 0});
  CHECK(pmtiles::tile_id_to_zxy(1) == TileCoord{1, 0, 0});
  CHECK(pmtiles::tile_id_to_zxy(2) == TileCoord{1, 0, 1});
  CHECK(pmtiles::tile_id_to_zxy(3) == TileCoord{1, 1, 1});
  CHECK(pmtiles::tile_id_to_zxy(4) == TileCoord{1, 1, 0});
  CHECK(pmtiles::tile_id_to_zxy(5) == TileCoord{2, 0, 0});
  CHECK(pmtiles::tile_id_to_zxy(19078479) == TileCoord{12, 3423, 1763});
  // The first id of each zoom is (4^z - 1) / 3: 21 at zoom 3, 85 at zoom 4.
  CHECK(pmtiles::zxy_to_tile_id(3, 0, 0) == 21);
  CHECK(pmtiles::zxy_to_tile_id(4, 0, 0) == 85);
}

TEST_CASE("pmtiles tile ids: every tile to zoom 8 round-trips and the ids of a zoom are exactly its range") {
  for (int z = 0; z <= 8; ++z) {
    const std::uint32_t n = 1u << z;
    const std::uint64_t first = ((std::uint64_t{1} << (2 * z)) - 1) / 3;
    std::vector<bool> seen(std::size_t{n} * n, false);
    for (std::uint32_t x = 0; x < n; ++x) {
      for (std::uint32_t y = 0; y < n; ++y) {
        const std::uint64_t id = pmtiles::zxy_to_tile_id(z, x, y);
        REQUIRE(id >= first);
        REQUIRE(id < first + std::uint64_t{n} * n);
        REQUIRE_FALSE(seen[id - first]);
        seen[id - first] = true;
        REQUIRE(pmtiles::tile_id_to_zxy(id) == TileCoord{z, x, y});
      }
    }
  }
}

TEST_CASE("pmtiles tile ids: the corners of every zoom to 31, and what is out of range") {
  for (int z = 0; z <= pmtiles::deepest_zoom; ++z) {
    CAPTURE(z);
    const std::uint32_t dim = static_cast<std::uint32_t>((std::uint64_t{1} << z) - 1);
    for (const auto& [x, y] : {std::pair{0u, 0u}, std::pair{dim, 0u}, std::pair{0u, dim}, std::pair{dim, dim}}) {
      CHECK(pmtiles::tile_id_to_zxy(pmtiles::zxy_to_tile_id(z, x, y)) == TileCoord{z, x, y});
    }
  }
  CHECK_THROWS_AS(pmtiles::zxy_to_tile_id(32, 0, 0), core::DataError);
  CHECK_THROWS_AS(pmtiles::zxy_to_tile_id(-1, 0, 0), core::DataError);
  CHECK_THROWS_AS(pmtiles::zxy_to_tile_id(3, 8, 0), core::DataError);
  CHECK_THROWS_AS(pmtiles::zxy_to_tile_id(3, 0, 8), core::DataError);
  CHECK_THROWS_AS(pmtiles::tile_id_to_zxy(UINT64_MAX), core::DataError);
}
