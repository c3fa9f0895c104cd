// Where a block has no data: the one rule blank tiles (tile --skip-blank) and detections (no object on no data) use.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "raster/window_reader.hpp"

namespace swath::raster {

// A pixel has no data when its alpha is 0, or when every band that declares a nodata value holds it there
// (a NaN nodata matches NaN). The alpha band's own nodata value, if any, plays no part.
struct NoDataRule {
  std::vector<std::optional<double>> nodata;  // per band of the block, as its sample type holds it (may be shorter)
  int alpha_index = -1;                       // 0-based band of the block holding alpha, -1 for none

  // False: every pixel has data (nothing to read).
  bool any() const;
};

// Whether `value` is `nodata`, NaN included.
bool is_nodata(double value, double nodata);

// `count` samples of band `band` from block column `column` of block row `row`, as doubles whatever the type.
void samples_as_double(const PixelBlock& block, std::size_t band, std::int64_t row, std::int64_t column,
                       std::size_t count, std::vector<double>& out);

// For `count` pixels of block row `row` from block column `column`: 1 where the pixel has data, 0 where it has none.
// `scratch` is reused across calls.
void data_in_row(const NoDataRule& rule, const PixelBlock& block, std::int64_t row, std::int64_t column,
                 std::int64_t count, std::vector<double>& scratch, std::uint8_t* out);

// data_in_row() for the scene pixel (`x`, `y`); a pixel outside the block counts as data. `scratch` is reused
// across calls.
bool has_data(const NoDataRule& rule, const PixelBlock& block, std::int64_t x, std::int64_t y,
              std::vector<double>& scratch);

// data_in_row() for every pixel of the block, row-major; empty when the rule has nothing to tell (any() false).
std::vector<std::uint8_t> data_mask(const NoDataRule& rule, const PixelBlock& block);

}  // namespace swath::raster
