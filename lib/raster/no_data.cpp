// The no-data rule applied row by row, one conversion to double per sample it needs.
#include "raster/no_data.hpp"

#include <gdal.h>

#include <algorithm>
#include <cmath>

namespace swath::raster {

bool is_nodata(double value, double nodata) { return value == nodata || (std::isnan(value) && std::isnan(nodata)); }

void samples_as_double(const PixelBlock& block, std::size_t band, std::int64_t row, std::int64_t column,
                       std::size_t count, std::vector<double>& out) {
  out.resize(count);
  GDALCopyWords64(block.sample_at(band, row) + static_cast<std::size_t>(column) * block.pixel_space(), block.type,
                  static_cast<int>(block.pixel_space()), out.data(), GDT_Float64, sizeof(double),
                  static_cast<GPtrDiff_t>(count));
}

bool NoDataRule::any() const {
  return alpha_index >= 0 || std::any_of(nodata.begin(), nodata.end(), [](const auto& n) { return n.has_value(); });
}

void data_in_row(const NoDataRule& rule, const PixelBlock& block, std::int64_t row, std::int64_t column,
                 std::int64_t count, std::vector<double>& scratch, std::uint8_t* out) {
  const auto n = static_cast<std::size_t>(count);
  std::fill_n(out, n, std::uint8_t{1});  // while bands are compared: "every band so far holds its nodata"
  bool told = false;
  for (std::size_t band = 0; band < rule.nodata.size() && band < block.bands.size(); ++band) {
    if (!rule.nodata[band] || static_cast<int>(band) == rule.alpha_index) continue;
    told = true;
    samples_as_double(block, band, row, column, n, scratch);
    for (std::size_t x = 0; x < n; ++x) out[x] = out[x] && is_nodata(scratch[x], *rule.nodata[band]) ? 1 : 0;
  }
  if (told) {
    for (std::size_t x = 0; x < n; ++x) out[x] = out[x] ? 0 : 1;
  }
  if (rule.alpha_index >= 0 && static_cast<std::size_t>(rule.alpha_index) < block.bands.size()) {
    samples_as_double(block, static_cast<std::size_t>(rule.alpha_index), row, column, n, scratch);
    for (std::size_t x = 0; x < n; ++x) out[x] = out[x] && scratch[x] != 0 ? 1 : 0;
  }
}

bool has_data(const NoDataRule& rule, const PixelBlock& block, std::int64_t x, std::int64_t y,
              std::vector<double>& scratch) {
  const std::int64_t column = x - block.window.x, row = y - block.window.y;
  if (column < 0 || row < 0 || column >= block.window.width || row >= block.window.height) return true;
  std::uint8_t data = 1;
  data_in_row(rule, block, row, column, 1, scratch, &data);
  return data != 0;
}

std::vector<std::uint8_t> data_mask(const NoDataRule& rule, const PixelBlock& block) {
  if (!rule.any()) return {};
  const auto width = static_cast<std::size_t>(block.window.width);
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(block.window.pixels()));
  std::vector<double> scratch;
  for (std::int64_t y = 0; y < block.window.height; ++y) {
    data_in_row(rule, block, y, 0, block.window.width, scratch, mask.data() + static_cast<std::size_t>(y) * width);
  }
  return mask;
}

}  // namespace swath::raster
