// A pixel's size on the ground, whatever the scene's CRS: sizes given in metres are ground metres.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "raster/scene.hpp"

namespace swath::detect {

struct GroundPixel {
  double width_m = 0;   // along a row
  double height_m = 0;  // down a column
};

// The ground size of a pixel at each scene pixel position `at` (x = column, y = row, edges allowed): the midpoints
// of the pixel's edges taken to longitude/latitude on the CRS's own datum, then to Earth-centred coordinates on its
// ellipsoid, and measured as straight lines (exact for a pixel, which is tiny beside the Earth; at a pole and
// across the antimeridian alike). Not the CRS's units: those are ground metres only where its scale is 1 (Web
// Mercator's shrink as cos(latitude) on the ground, a degree of longitude is no fixed length).
// Empty when the scene's CRS cannot be taken to longitude/latitude; nullopt for a position outside its domain (a
// geostationary view's corners off the Earth).
std::vector<std::optional<GroundPixel>> ground_pixels(const raster::SceneInfo& info,
                                                      const std::vector<std::array<double, 2>>& at);

}  // namespace swath::detect
