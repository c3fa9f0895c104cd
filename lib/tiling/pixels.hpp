// Pure pixel work on a read window: how blank it is, and non-Byte samples scaled to Byte.
#pragma once

#include <optional>
#include <vector>

#include "raster/no_data.hpp"
#include "raster/window_reader.hpp"

namespace swath::tiling {

// True when at least `threshold` of the window's pixels are blank: outside the scene (padding; `inside` is the
// part of the window inside it) or without data by `rule`. Stops as soon as the answer is known. A threshold of 0
// never skips.
bool is_blank(const raster::PixelBlock& block, const core::Window& inside, const raster::NoDataRule& rule,
              double threshold);

// Per-band linear range mapped onto Byte.
struct ByteRange {
  double min = 0;
  double max = 255;
};

// Samples of the first `band_count` bands scaled from `ranges[b]` onto 0..255 (clamped, rounded).
// A band with nodata keeps it apart: nodata → 0 and valid samples → 1..255, so 0 stays the Byte nodata.
raster::PixelBlock scale_to_byte(const raster::PixelBlock& block, std::size_t band_count,
                                 const std::vector<ByteRange>& ranges,
                                 const std::vector<std::optional<double>>& nodata);

}  // namespace swath::tiling
