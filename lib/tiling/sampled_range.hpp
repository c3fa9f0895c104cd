// A band's --scale auto range read block by block, past blocks that fail to read: for a damaged scene, whose
// approximate histogram GDAL cannot make at all.
#pragma once

#include <gdal_priv.h>

#include <cstdint>
#include <optional>

#include "tiling/pixels.hpp"

namespace swath::tiling {

struct SampledRange {
  std::optional<ByteRange> range;      // the 2nd to 98th percentile of the valid samples read; none when none read
  std::int64_t unreadable_blocks = 0;  // of the blocks tried
};

// About 256 blocks spread evenly over the band (all of a smaller one), up to 4 million samples; nodata and
// non-finite samples left out. When those hold no valid sample, every block is tried (damage every 4th block and a
// sample of every 4th misses the rest). Depends on the file only, as GDAL's sample does.
SampledRange sampled_range(GDALRasterBand& band);

}  // namespace swath::tiling
