// Where a scene has data for a detector: an object centred on nodata or on transparent pixels (alpha 0) is no object.
#pragma once

#include <gdal.h>

#include <vector>

#include "detect/detector.hpp"
#include "raster/no_data.hpp"
#include "raster/scene.hpp"

namespace swath::detect {

// The no-data rule for the bands a detector reads, its nodata values as `read_type` holds them (none where it
// cannot: 65535 read as 8-bit is 255, which is data elsewhere). `read_bands`: the detector's bands; the scene's
// alpha band is appended when they do not include it.
raster::NoDataRule no_data_rule(const raster::SceneInfo& info, std::vector<int>& read_bands, GDALDataType read_type);

// The candidates whose centre pixel has data; outlines (made by the detector from `data_mask`'s pixels) are kept.
std::vector<Candidate> on_data(std::vector<Candidate> candidates, const raster::PixelBlock& block,
                               const raster::NoDataRule& rule);

}  // namespace swath::detect
