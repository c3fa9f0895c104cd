// The no-data rule of a detector's bands, and boxes dropped by it.
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

}  // namespace

raster::NoDataRule no_data_rule(const raster::SceneInfo& info, std::vector<int>& read_bands, GDALDataType read_type) {
  raster::NoDataRule rule;
  for (const int band : read_bands) {
    const auto index = static_cast<std::size_t>(band - 1);
    const auto& nodata = index < info.nodata.size() ? info.nodata[index] : std::nullopt;
    rule.nodata.push_back(nodata ? as_read(*nodata, read_type) : std::nullopt);
  }
  if (info.masked) {  // a mask band, as alpha: 0 where there is no data (GDAL reads it rather than an alpha band)
    rule.alpha_index = static_cast<int>(read_bands.size());
    read_bands.push_back(raster::mask_band);
  } else if (info.alpha_band > 0) {
    const auto at = std::find(read_bands.begin(), read_bands.end(), info.alpha_band);
    rule.alpha_index = static_cast<int>(at - read_bands.begin());
    if (at == read_bands.end()) read_bands.push_back(info.alpha_band);
  }
  return rule;
}

std::vector<Candidate> on_data(std::vector<Candidate> candidates, const raster::PixelBlock& block,
                               const raster::NoDataRule& rule) {
  if (!rule.any()) return candidates;
  std::vector<double> scratch;
  std::erase_if(candidates, [&](const Candidate& c) {
    if (!c.shape.empty()) return false;
    const auto x = static_cast<std::int64_t>(std::floor((c.x0 + c.x1) / 2));
    const auto y = static_cast<std::int64_t>(std::floor((c.y0 + c.y1) / 2));
    return !raster::has_data(rule, block, x, y, scratch);
  });
  return candidates;
}

}  // namespace swath::detect
