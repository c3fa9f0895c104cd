// swath's own PNG encoder for web-map tiles: adaptive row filters and a libdeflate zlib stream (GDAL's PNG driver
// spends two thirds of an xyz run in zlib and libpng's filtering).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "tiling/encode.hpp"

namespace swath::webmap {

// The libdeflate level for tiles of `look`, when they are PNG and swath's encoder can honour their creation options:
// none but ZLEVEL=N with N in 1..9, which maps to libdeflate's level N (its levels 1-9 follow zlib's, each faster
// and smaller), or none at all (GDAL's default, 6). Anything else (ZLEVEL=0, other options, other formats) returns
// nothing: GDAL's driver writes the tile.
std::optional<int> own_png_level(const tiling::TileLook& look);

// An 8-bit PNG of `height` rows of `width` pixels: the first `bands` (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) of
// each pixel's `pixel_step` interleaved samples, rows `row_step` bytes apart. Each row takes the filter (None,
// Sub, Up, Average, Paeth) whose output has the least sum of absolute values, libpng's heuristic; one IDAT.
// Deterministic: the same pixels and level give the same bytes. Throws DataError if libdeflate fails.
tiling::EncodedTile encode_png(const std::uint8_t* pixels, int width, int height, int bands, int pixel_step,
                               std::size_t row_step, int level);

}  // namespace swath::webmap
