// Where a scene has data: an object centred on nodata or on transparent pixels (alpha 0) is no object.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "detect/detector.hpp"
#include "raster/scene.hpp"
#include "raster/window_reader.hpp"

namespace swath::detect {

// How to tell data from no data in a block read for a detector: its bands' nodata values as the read type
// holds them, and the scene's alpha band, read after the detector's own bands when it is not one of them.
struct ValidPixels {
  std::vector<std::optional<double>> nodata;  // per detector band, as read (none: it cannot be told apart)
  bool has_alpha = false;
  std::size_t alpha_index = 0;  // the alpha band's index in the block

  bool any() const;
  // `x`, `y`: scene pixel inside `block`. No data: alpha 0, or every detector band with a nodata value at it.
  bool at(const raster::PixelBlock& block, std::int64_t x, std::int64_t y) const;
  // at() for every pixel of `block`, row-major (1: data); empty when any() is false.
  std::vector<std::uint8_t> mask(const raster::PixelBlock& block) const;
};

// `read_bands`: the detector's bands; the alpha band is appended when the scene has one they do not include.
ValidPixels valid_pixels(const raster::SceneInfo& info, std::vector<int>& read_bands, GDALDataType read_type);

// The candidates whose centre pixel has data; outlines (made by the detector from `data_mask`'s pixels) are kept.
std::vector<Candidate> on_data(std::vector<Candidate> candidates, const raster::PixelBlock& block,
                               const ValidPixels& valid);

}  // namespace swath::detect
