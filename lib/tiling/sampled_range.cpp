// --scale auto's range from a sample of blocks read one by one, so that a damaged block fails only its tiles.
#include "tiling/sampled_range.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "raster/gdal_errors.hpp"

namespace swath::tiling {

namespace {

// The valid samples of every `step`-th block, up to `budget` of them, counting the blocks that fail to read.
std::vector<double> read_sample(GDALRasterBand& band, std::int64_t step, std::int64_t& unreadable) {
  int block_x = 0, block_y = 0;
  band.GetBlockSize(&block_x, &block_y);
  const std::int64_t width = band.GetXSize(), height = band.GetYSize();
  const std::int64_t across = (width + block_x - 1) / block_x, down = (height + block_y - 1) / block_y;
  const std::int64_t blocks = across * down;
  const std::int64_t block_pixels = static_cast<std::int64_t>(block_x) * block_y;
  const std::int64_t stride = std::max<std::int64_t>(1, (blocks / step) * block_pixels / (4 << 20));
  int has_nodata = FALSE;
  const double nodata = band.GetNoDataValue(&has_nodata);
  const GDALDataType type = band.GetRasterDataType();
  const int sample_bytes = GDALGetDataTypeSizeBytes(type);
  std::vector<std::byte> raw(static_cast<std::size_t>(block_pixels * sample_bytes));
  std::vector<double> row(static_cast<std::size_t>(block_x));
  std::vector<double> values;
  unreadable = 0;
  for (std::int64_t b = 0; b < blocks; b += step) {
    const int bx = static_cast<int>(b % across), by = static_cast<int>(b / across);
    {
      const raster::CapturedGdalErrors errors;
      if (band.ReadBlock(bx, by, raw.data()) != CE_None || errors.failed()) {
        ++unreadable;
        continue;
      }
    }
    const auto valid_x = std::min<std::int64_t>(block_x, width - static_cast<std::int64_t>(bx) * block_x);
    const auto valid_y = std::min<std::int64_t>(block_y, height - static_cast<std::int64_t>(by) * block_y);
    for (std::int64_t y = 0; y < valid_y; ++y) {
      GDALCopyWords64(raw.data() + static_cast<std::size_t>(y * block_x * sample_bytes), type, sample_bytes, row.data(),
                      GDT_Float64, sizeof(double), valid_x);
      for (std::int64_t x = (y * block_x) % stride; x < valid_x; x += stride) {
        const double v = row[static_cast<std::size_t>(x)];
        if (std::isfinite(v) && !(has_nodata && v == nodata)) values.push_back(v);
      }
    }
  }
  return values;
}

}  // namespace

SampledRange sampled_range(GDALRasterBand& band) {
  SampledRange out;
  int block_x = 0, block_y = 0;
  band.GetBlockSize(&block_x, &block_y);
  if (block_x <= 0 || block_y <= 0) return out;
  const std::int64_t blocks = ((band.GetXSize() + block_x - 1) / block_x) * ((band.GetYSize() + block_y - 1) / block_y);
  const std::int64_t step = std::max<std::int64_t>(1, blocks / 256);
  auto values = read_sample(band, step, out.unreadable_blocks);
  if (values.empty() && step > 1) values = read_sample(band, 1, out.unreadable_blocks);
  if (values.empty()) return out;
  const auto at = [&](double fraction) {
    const auto i = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(values.size() - 1)));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(i), values.end());
    return values[i];
  };
  const double low = at(0.02), high = at(0.98);
  if (high > low) {
    out.range = ByteRange{low, high};
  } else {
    const auto [min, max] = std::minmax_element(values.begin(), values.end());
    out.range = ByteRange{*min, *max};
  }
  return out;
}

}  // namespace swath::tiling
