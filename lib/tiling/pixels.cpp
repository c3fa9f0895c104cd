// Blank detection and Byte scaling over blocks of either layout, one conversion to double per sample.
#include "tiling/pixels.hpp"

#include <gdal.h>

#include <cmath>

namespace swath::tiling {

namespace {

// One row of one band as doubles, whatever the sample type.
void row_as_double(const raster::PixelBlock& block, std::size_t band, std::int64_t row, std::vector<double>& out) {
  const auto width = static_cast<std::size_t>(block.window.width);
  out.resize(width);
  GDALCopyWords64(block.sample_at(band, row), block.type, static_cast<int>(block.pixel_space()), out.data(),
                  GDT_Float64, sizeof(double), static_cast<GPtrDiff_t>(width));
}

bool same(double value, double nodata) { return value == nodata || (std::isnan(value) && std::isnan(nodata)); }

}  // namespace

bool is_blank(const raster::PixelBlock& block, const core::Window& inside, const BlankRule& rule, double threshold) {
  if (threshold <= 0) return false;
  const std::int64_t total = block.window.pixels();
  const auto blank_needed = static_cast<std::int64_t>(std::ceil(threshold * static_cast<double>(total)));
  const std::int64_t padding = total - inside.pixels();
  const std::int64_t allowed_data = total - blank_needed;  // the tile is blank while data pixels stay at most this
  bool any_rule = rule.alpha_index >= 0;
  for (const auto& n : rule.nodata) any_rule = any_rule || n.has_value();
  if (!any_rule) return padding >= blank_needed;

  const std::size_t bands = block.bands.size();
  std::vector<std::vector<double>> rows(bands);
  std::int64_t data_pixels = 0;
  for (std::int64_t y = inside.y; y < inside.bottom(); ++y) {
    const std::int64_t row = y - block.window.y;
    for (std::size_t b = 0; b < bands; ++b) {
      if (static_cast<int>(b) == rule.alpha_index || (b < rule.nodata.size() && rule.nodata[b]))
        row_as_double(block, b, row, rows[b]);
    }
    for (std::int64_t x = inside.x; x < inside.right(); ++x) {
      const auto col = static_cast<std::size_t>(x - block.window.x);
      bool blank = rule.alpha_index >= 0 && rows[static_cast<std::size_t>(rule.alpha_index)][col] == 0;
      if (!blank) {
        bool all_nodata = false;
        for (std::size_t b = 0; b < bands; ++b) {
          if (b >= rule.nodata.size() || !rule.nodata[b] || static_cast<int>(b) == rule.alpha_index) continue;
          all_nodata = same(rows[b][col], *rule.nodata[b]);
          if (!all_nodata) break;
        }
        blank = all_nodata;
      }
      if (!blank && ++data_pixels > allowed_data) return false;
    }
  }
  return true;
}

raster::PixelBlock scale_to_byte(const raster::PixelBlock& block, std::size_t band_count,
                                 const std::vector<ByteRange>& ranges,
                                 const std::vector<std::optional<double>>& nodata) {
  raster::PixelBlock out;
  out.window = block.window;
  out.bands.assign(block.bands.begin(), block.bands.begin() + static_cast<std::ptrdiff_t>(band_count));
  out.type = GDT_Byte;
  out.layout = block.layout;
  out.data.resize(out.band_stride() * band_count);
  std::vector<double> row;
  const auto width = static_cast<std::size_t>(block.window.width);
  for (std::size_t b = 0; b < band_count; ++b) {
    const ByteRange range = b < ranges.size() ? ranges[b] : ByteRange{};
    const std::optional<double> nd = b < nodata.size() ? nodata[b] : std::nullopt;
    const double low = nd ? 1.0 : 0.0;
    const double span = range.max > range.min ? range.max - range.min : 1.0;
    for (std::int64_t y = 0; y < block.window.height; ++y) {
      row_as_double(block, b, y, row);
      for (std::size_t x = 0; x < width; ++x) {
        const double v = row[x];
        double scaled = 0;
        if (!(nd && same(v, *nd)) && !std::isnan(v)) {
          scaled = std::clamp(std::round(low + (v - range.min) / span * (255.0 - low)), low, 255.0);
        }
        *reinterpret_cast<unsigned char*>(out.sample_at(b, y) + x * out.pixel_space()) =
            static_cast<unsigned char>(scaled);
      }
    }
  }
  return out;
}

}  // namespace swath::tiling
