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

// The ground size of a pixel at each scene pixel position `at` (x = column, y = row, edges allowed): the pixel's
// edges taken to longitude/latitude on the CRS's own datum and measured with its ellipsoid's radii of curvature
// there (exact as a pixel is small beside the Earth). Not the CRS's units: those are ground metres only where its
// scale is 1 (Web Mercator's shrink as cos(latitude) on the ground, a degree of longitude is no fixed length).
// nullopt when the scene's CRS cannot be taken to longitude/latitude (or a position lies outside its domain).
std::optional<std::vector<GroundPixel>> ground_pixels(const raster::SceneInfo& info,
                                                      const std::vector<std::array<double, 2>>& at);

}  // namespace swath::detect
