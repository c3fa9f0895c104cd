// Hilbert-curve tile ids (the PMTiles v3 numbering), both directions.
#include "pmtiles/tile_id.hpp"

#include <string>

#include "core/errors.hpp"

namespace swath::pmtiles {

namespace {

// Tiles in all zooms below z: (4^z - 1) / 3; z = 32 (one past the last zoom) would shift by 64.
std::uint64_t first_id_of_zoom(int z) {
  return z > deepest_zoom ? UINT64_MAX / 3 : ((std::uint64_t{1} << (2 * z)) - 1) / 3;
}

// The Hilbert curve's quadrant rotation, on a square of side n.
void rotate(std::uint64_t n, std::uint64_t& x, std::uint64_t& y, std::uint64_t rx, std::uint64_t ry) {
  if (ry != 0) return;
  if (rx != 0) {
    x = n - 1 - x;
    y = n - 1 - y;
  }
  const std::uint64_t t = x;
  x = y;
  y = t;
}

}  // namespace

std::uint64_t zxy_to_tile_id(int z, std::uint32_t x, std::uint32_t y) {
  if (z < 0 || z > deepest_zoom)
    throw core::DataError(tile_name({z, x, y}), "zoom outside 0.." + std::to_string(deepest_zoom));
  const std::uint64_t n = std::uint64_t{1} << z;
  if (x >= n || y >= n) {
    throw core::DataError(tile_name({z, x, y}), "x or y outside 0.." + std::to_string(n - 1) + " at this zoom");
  }
  std::uint64_t tx = x;
  std::uint64_t ty = y;
  std::uint64_t d = 0;
  for (std::uint64_t s = n / 2; s > 0; s /= 2) {
    const std::uint64_t rx = (tx & s) != 0 ? 1 : 0;
    const std::uint64_t ry = (ty & s) != 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    rotate(n, tx, ty, rx, ry);
  }
  return first_id_of_zoom(z) + d;
}

TileCoord tile_id_to_zxy(std::uint64_t tile_id) {
  int z = 0;
  while (z <= deepest_zoom && tile_id >= first_id_of_zoom(z + 1)) ++z;
  if (z > deepest_zoom)
    throw core::DataError("tile id " + std::to_string(tile_id), "beyond zoom " + std::to_string(deepest_zoom));
  const std::uint64_t n = std::uint64_t{1} << z;
  std::uint64_t t = tile_id - first_id_of_zoom(z);
  std::uint64_t x = 0;
  std::uint64_t y = 0;
  for (std::uint64_t s = 1; s < n; s *= 2) {
    const std::uint64_t rx = 1 & (t / 2);
    const std::uint64_t ry = 1 & (t ^ rx);
    rotate(s, x, y, rx, ry);
    x += s * rx;
    y += s * ry;
    t /= 4;
  }
  return {z, static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y)};
}

std::string tile_name(const TileCoord& tile) {
  return "tile " + std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y);
}

}  // namespace swath::pmtiles
