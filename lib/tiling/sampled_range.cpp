// --scale auto's range from a sample of blocks read one by one, so that a damaged block fails only its tiles.
#include "tiling/sampled_range.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "raster/gdal_errors.hpp"

namespace swath::tiling {

namespace {

// A band's blocks: the sample walks them in order.
struct BlockGrid {
  int block_x = 0, block_y = 0;
  std::int64_t width = 0, height = 0, across = 0, blocks = 0;
};

BlockGrid block_grid(GDALRasterBand& band) {
  BlockGrid grid;
  band.GetBlockSize(&grid.block_x, &grid.block_y);
  if (grid.block_x <= 0 || grid.block_y <= 0) return grid;
  grid.width = band.GetXSize();
  grid.height = band.GetYSize();
  grid.across = (grid.width + grid.block_x - 1) / grid.block_x;
  grid.blocks = grid.across * ((grid.height + grid.block_y - 1) / grid.block_y);
  return grid;
}

// The valid samples of every `step`-th block (about 4 Mi of them, spread evenly), counting the blocks that fail to
// read.
std::vector<double> read_sample(GDALRasterBand& band, const BlockGrid& grid, std::int64_t step,
                                std::int64_t& unreadable) {
  const auto [block_x, block_y, width, height, across, blocks] = grid;
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
  const BlockGrid grid = block_grid(band);
  if (grid.blocks == 0) return out;
  const std::int64_t step = std::max<std::int64_t>(1, grid.blocks / 256);
  auto values = read_sample(band, grid, step, out.unreadable_blocks);
  if (values.empty() && step > 1) values = read_sample(band, grid, 1, out.unreadable_blocks);
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
