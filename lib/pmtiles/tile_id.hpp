// PMTiles tile ids: one number per z/x/y, counting every tile of the zooms below, then along the zoom's Hilbert curve.
#pragma once

#include <cstdint>
#include <string>

namespace swath::pmtiles {

// The deepest zoom a 64-bit tile id can address (the spec's limit).
inline constexpr int deepest_zoom = 31;

struct TileCoord {
  int z = 0;
  std::uint32_t x = 0;
  std::uint32_t y = 0;
  friend bool operator==(const TileCoord&, const TileCoord&) = default;
};

// Throws DataError naming the tile when z is outside 0..31 or x/y outside 0..2^z-1.
std::uint64_t zxy_to_tile_id(int z, std::uint32_t x, std::uint32_t y);
// The inverse; throws DataError for an id beyond zoom 31.
TileCoord tile_id_to_zxy(std::uint64_t tile_id);

// "tile Z/X/Y", for messages.
std::string tile_name(const TileCoord& tile);

}  // namespace swath::pmtiles
