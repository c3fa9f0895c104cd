// Valid pixels of a detector's block: nodata of its bands, the scene's alpha band.
#include "detect/valid_pixels.hpp"

#include <gdal.h>

#include <algorithm>
#include <cmath>

namespace swath::detect {

namespace {

double as_double(const std::byte* sample, GDALDataType type) {
  double value = 0;
  GDALCopyWords64(sample, type, 0, &value, GDT_Float64, 0, 1);
  return value;
}

// `nodata` as a block of `type` holds it; none when an integer type cannot hold it (65535 read as 8-bit is 255,
// which is data elsewhere).
std::optional<double> as_read(double nodata, GDALDataType type) {
  if (std::isnan(nodata)) {
    return GDALDataTypeIsFloating(type) ? std::optional<double>(nodata) : std::nullopt;
  }
  std::vector<std::byte> sample(static_cast<std::size_t>(GDALGetDataTypeSizeBytes(type)));
  GDALCopyWords64(&nodata, GDT_Float64, 0, sample.data(), type, 0, 1);
  const double back = as_double(sample.data(), type);
  if (!GDALDataTypeIsFloating(type) && back != nodata) return std::nullopt;
  return back;
}

bool same(double value, double nodata) { return std::isnan(nodata) ? std::isnan(value) : value == nodata; }

}  // namespace

bool ValidPixels::any() const {
  return has_alpha || std::any_of(nodata.begin(), nodata.end(), [](const auto& n) { return n.has_value(); });
}

bool ValidPixels::at(const raster::PixelBlock& block, std::int64_t x, std::int64_t y) const {
  const std::int64_t column = x - block.window.x, row = y - block.window.y;
  if (column < 0 || row < 0 || column >= block.window.width || row >= block.window.height) return true;
  const auto sample = [&](std::size_t band) {
    return as_double(block.sample_at(band, row) + static_cast<std::size_t>(column) * block.pixel_space(), block.type);
  };
  if (has_alpha && sample(alpha_index) == 0) return false;
  bool told = false;
  for (std::size_t band = 0; band < nodata.size(); ++band) {
    if (!nodata[band]) continue;
    if (!same(sample(band), *nodata[band])) return true;
    told = true;
  }
  return !told;
}

std::vector<std::uint8_t> ValidPixels::mask(const raster::PixelBlock& block) const {
  if (!any()) return {};
  const auto width = static_cast<std::size_t>(block.window.width);
  std::vector<std::uint8_t> data(static_cast<std::size_t>(block.window.pixels()), 1);
  std::vector<std::uint8_t> nodata_everywhere(data.size(), 1);  // every band with a nodata value has it here
  bool told = false;
  std::vector<double> row(width);
  const auto read_row = [&](std::size_t band, std::int64_t y) {
    GDALCopyWords64(block.sample_at(band, y), block.type, static_cast<int>(block.pixel_space()), row.data(),
                    GDT_Float64, sizeof(double), static_cast<GPtrDiff_t>(width));
  };
  for (std::size_t band = 0; band < nodata.size(); ++band) {
    if (!nodata[band]) continue;
    told = true;
    for (std::int64_t y = 0; y < block.window.height; ++y) {
      read_row(band, y);
      auto* out = nodata_everywhere.data() + static_cast<std::size_t>(y) * width;
      for (std::size_t x = 0; x < width; ++x) out[x] = out[x] && same(row[x], *nodata[band]) ? 1 : 0;
    }
  }
  if (told) {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = nodata_everywhere[i] ? 0 : 1;
  }
  if (has_alpha) {
    for (std::int64_t y = 0; y < block.window.height; ++y) {
      read_row(alpha_index, y);
      auto* out = data.data() + static_cast<std::size_t>(y) * width;
      for (std::size_t x = 0; x < width; ++x) out[x] = out[x] && row[x] != 0 ? 1 : 0;
    }
  }
  return data;
}

ValidPixels valid_pixels(const raster::SceneInfo& info, std::vector<int>& read_bands, GDALDataType read_type) {
  ValidPixels valid;
  for (const int band : read_bands) {
    const auto index = static_cast<std::size_t>(band - 1);
    const auto& nodata = index < info.nodata.size() ? info.nodata[index] : std::nullopt;
    valid.nodata.push_back(nodata ? as_read(*nodata, read_type) : std::nullopt);
  }
  if (info.alpha_band > 0) {
    const auto at = std::find(read_bands.begin(), read_bands.end(), info.alpha_band);
    valid.has_alpha = true;
    valid.alpha_index = static_cast<std::size_t>(at - read_bands.begin());
    if (at == read_bands.end()) read_bands.push_back(info.alpha_band);
  }
  return valid;
}

std::vector<Candidate> on_data(std::vector<Candidate> candidates, const raster::PixelBlock& block,
                               const ValidPixels& valid) {
  if (!valid.any()) return candidates;
  std::erase_if(candidates, [&](const Candidate& c) {
    if (!c.ring.empty()) return false;
    const auto x = static_cast<std::int64_t>(std::floor((c.x0 + c.x1) / 2));
    const auto y = static_cast<std::int64_t>(std::floor((c.y0 + c.y1) / 2));
    return !valid.at(block, x, y);
  });
  return candidates;
}

}  // namespace swath::detect
