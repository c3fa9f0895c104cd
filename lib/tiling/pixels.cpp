// Blank detection and Byte scaling over blocks of either layout, one conversion to double per sample.
#include "tiling/pixels.hpp"

#include <gdal.h>

#include <algorithm>
#include <cmath>

namespace swath::tiling {

bool is_blank(const raster::PixelBlock& block, const core::Window& inside, const raster::NoDataRule& rule,
              double threshold) {
  if (threshold <= 0) return false;
  const std::int64_t total = block.window.pixels();
  const auto blank_needed = static_cast<std::int64_t>(std::ceil(threshold * static_cast<double>(total)));
  const std::int64_t padding = total - inside.pixels();
  if (!rule.any()) return padding >= blank_needed;
  const std::int64_t allowed_data = total - blank_needed;  // the tile is blank while data pixels stay at most this
  std::vector<double> scratch;
  std::vector<std::uint8_t> data(static_cast<std::size_t>(inside.width));
  std::int64_t data_pixels = 0;
  for (std::int64_t y = inside.y; y < inside.bottom(); ++y) {
    raster::data_in_row(rule, block, y - block.window.y, inside.x - block.window.x, inside.width, scratch, data.data());
    data_pixels += std::count(data.begin(), data.end(), std::uint8_t{1});
    if (data_pixels > allowed_data) return false;
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
      raster::samples_as_double(block, b, y, 0, width, row);
      for (std::size_t x = 0; x < width; ++x) {
        const double v = row[x];
        double scaled = 0;
        if (!(nd && raster::is_nodata(v, *nd)) && !std::isnan(v)) {
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
