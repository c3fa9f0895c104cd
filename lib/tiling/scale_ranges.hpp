// --scale ranges of a scene's output bands, read once per scene before its tiles.
#pragma once

#include <gdal_priv.h>

#include <vector>

#include "tiling/pixels.hpp"
#include "tiling/scene_setup.hpp"

namespace swath::tiling {

// Per output band of `scene`: `scale`'s MIN,MAX, or with --scale auto the band's 2nd to 98th percentile (see
// scale_ranges.cpp); warnings (a band of one value, damaged blocks read past) go to scene.warnings. Throws DataError
// naming the scene and band when the range cannot be read.
std::vector<ByteRange> scale_ranges(GDALDataset& dataset, TileScene& scene, const Scale& scale);

}  // namespace swath::tiling
