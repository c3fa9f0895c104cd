// gdal2tiles' average base tiles: the fast path (grid rows summed once, offsets precomputed) against the sample-by-
// sample arithmetic it replaces, on grids that cover a tile wholly, partly and not at all.
#include <doctest/doctest.h>

#include <opencv2/core.hpp>

#include "webmap/query_average.hpp"

using namespace swath;

namespace {

// The 4×4 query average pixel by pixel, as gdal2tiles states it: every query sample inside the grid adds to its
// output pixel; an output row no sample reaches stays as it was.
cv::Mat reference(const webmap::PyramidScene& scene, const cv::Mat& grid, const webmap::GridPlace& place,
                  const webmap::TileKey& key, int size, const cv::Mat& before) {
  const auto& gt = scene.warped_geotransform;
  const core::Bounds b = webmap::tile_bounds(key, size);
  const auto columns =
      webmap::query_samples(b.min_x, b.max_x, gt[0], gt[1], scene.warped_width, place.x0, place.step, 4 * size);
  const auto rows =
      webmap::query_samples(b.max_y, b.min_y, gt[3], gt[5], scene.warped_height, place.y0, place.step, 4 * size);
  cv::Mat out = before.clone();
  const int channels = grid.channels();
  for (int j = 0; j < size; ++j) {
    std::vector<int> sums(static_cast<std::size_t>(size * channels), 0);
    std::vector<bool> any(static_cast<std::size_t>(size), false);  // a pixel no sample reaches stays as it was
    for (int a = 0; a < 4; ++a) {
      for (int i = 0; i < size; ++i) {
        for (int bb = 0; bb < 4; ++bb) {
          const auto r = rows[static_cast<std::size_t>(4 * j + a)], c = columns[static_cast<std::size_t>(4 * i + bb)];
          if (r < 0 || c < 0 || r >= grid.rows || c >= grid.cols) continue;
          any[static_cast<std::size_t>(i)] = true;
          for (int k = 0; k < channels; ++k) {
            sums[static_cast<std::size_t>(i * channels + k)] += grid.ptr(static_cast<int>(r))[c * channels + k];
          }
        }
      }
    }
    for (int n = 0; n < size * channels; ++n) {
      if (any[static_cast<std::size_t>(n / channels)]) out.ptr(j)[n] = static_cast<std::uint8_t>((sums[n] + 8) / 16);
    }
  }
  return out;
}

// A scene whose warped grid has `pixel` metres per pixel and starts `offset` pixels west and north of tile 10/512/511.
webmap::PyramidScene scene_near(double pixel, double offset, std::int64_t size) {
  webmap::PyramidScene scene;
  const core::Bounds b = webmap::tile_bounds({10, 512, 511}, 64);
  scene.warped_geotransform = {b.min_x - offset * pixel, pixel, 0, b.max_y + offset * pixel, 0, -pixel};
  scene.warped_width = size;
  scene.warped_height = size;
  return scene;
}

}  // namespace

TEST_CASE("query_average: the same bytes as sample-by-sample averaging, whole, partial and stepped grids") {
  const int size = 64;
  const webmap::TileKey key{10, 512, 511};
  const double tile_metres = webmap::tile_bounds(key, size).max_x - webmap::tile_bounds(key, size).min_x;
  struct Case {
    double pixels_per_tile;  // the scene's resolution against the tile's
    double offset;           // grid pixels west and north of the tile
    std::int64_t scene;      // warped pixels across
    std::int64_t step;       // a decimated grid keeps every step-th pixel
    int channels;
  };
  const Case cases[] = {
      {64, 0, 64, 1, 4},    {70, 3, 80, 1, 4}, {64, -20, 200, 1, 4},   // wholly inside / around / partly
      {150, 10, 170, 2, 2}, {40, 5, 30, 1, 3}, {90, -200, 100, 1, 4},  // stepped grey; small scene; none
      {64, 8, 90, 1, 5},                                               // a channel count without a fast path
  };
  cv::RNG rng(7);
  for (const auto& c : cases) {
    CAPTURE(c.pixels_per_tile);
    CAPTURE(c.offset);
    CAPTURE(c.channels);
    const auto scene = scene_near(tile_metres / c.pixels_per_tile, c.offset, c.scene);
    const webmap::GridPlace place{0, 0, c.step};
    const int grid_side = static_cast<int>((c.scene + c.step - 1) / c.step);
    cv::Mat grid(grid_side, grid_side, CV_8UC(c.channels));
    rng.fill(grid, cv::RNG::UNIFORM, 0, 256);
    const cv::Mat before = cv::Mat(size, size * c.channels, CV_8UC1, cv::Scalar(17)).reshape(c.channels);
    cv::Mat tile = before.clone();
    webmap::query_average(scene, grid, place, key, size, tile);
    const cv::Mat expected = reference(scene, grid, place, key, size, before);
    CHECK(cv::norm(tile, expected, cv::NORM_INF) == 0);
  }
}
