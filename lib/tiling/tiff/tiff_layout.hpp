// Where a classic little-endian TIFF keeps its pixels and its georeferencing origin: read from the bytes.
// Internal to tiling/tiff: the rest of swath reaches this folder through tiff/tile_templates.hpp only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace swath::tiling::tiff {

struct TiffLayout {
  bool uncompressed = false;
  bool planar_separate = false;  // PlanarConfiguration 2: band after band
  // The image's strips or tiles as one run of bytes, when they follow each other in order with no gap.
  std::optional<std::size_t> pixels_at;
  std::size_t pixel_bytes = 0;
  std::vector<std::size_t> piece_bytes;  // of each strip or tile, in file order
  // Byte offsets of the doubles that hold the top-left corner: ModelTiepoint's X and Y, or
  // ModelTransformation's translation terms.
  std::optional<std::size_t> origin_x_at;
  std::optional<std::size_t> origin_y_at;
};

// The layout of the first image of `bytes`; nullopt when they are not a classic little-endian TIFF this
// reader understands (BigTIFF, big-endian, a truncated or inconsistent directory).
std::optional<TiffLayout> read_tiff_layout(std::string_view bytes);

}  // namespace swath::tiling::tiff
