// A base tile as gdal2tiles makes it with -r average: its window of the warped scene rounded to whole pixels, read
// with nearest sampling into a 4× query, then averaged 4×4 (osgeo_utils/gdal2tiles.py: geo_query, create_base_tile,
// scale_query_to_tile). swath's `average` base tiles follow it, so both tools agree pixel for pixel on a scene.
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "webmap/mercator.hpp"
#include "webmap/scene.hpp"

namespace swath::webmap {

// Where `grid` lies in the scene's warped grid: its top-left pixel, and the warped pixels per grid pixel.
struct GridPlace {
  std::int64_t x0 = 0, y0 = 0;
  std::int64_t step = 1;
  double shift = 0;  // metres from world x to the grid's: the world's width for a part past the antimeridian
};

// One axis of gdal2tiles' geo_query from `from` to `to` (metres; `origin` and `step` the warped scene's grid along
// it, `scene_size` its pixels): for each of `query` query pixels, the pixel of the grid (which starts at
// `window_origin` of the warped grid and keeps every `grid_step`th pixel) it samples, -1 outside the scene.
std::vector<std::int64_t> query_samples(double from, double to, double origin, double step, std::int64_t scene_size,
                                        std::int64_t window_origin, std::int64_t grid_step, std::int64_t query);

// Fills `tile` (tile_size², channels of `grid`) for `key` from `grid`: a window of the scene warped onto its own
// EPSG:3857 grid (every `step`th pixel of it: a sample falls on the grid pixel holding it), the last channel alpha.
// Pixels the scene does not reach stay as they are; the others are overwritten (one scene: nothing to composite over;
// the two parts of a scene across the antimeridian reach pixels apart).
void query_average(const PyramidScene& scene, const cv::Mat& grid, const GridPlace& place, const TileKey& key,
                   int tile_size, cv::Mat& tile);

}  // namespace swath::webmap
