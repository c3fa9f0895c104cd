// gdal2tiles' base tile arithmetic (GDAL 3.6), separably: the 4×4 box of nearest samples is a sum over rows of
// sums over columns.
#include "webmap/query_average.hpp"

#include <cmath>
#include <vector>

namespace swath::webmap {

namespace {

// One axis of geo_query: the source pixels (relative to the grid window, -1 where the query is outside the scene)
// that each of the `query` query pixels samples.
std::vector<std::int64_t> sample_map(double from, double to, double origin, double step, std::int64_t scene_size,
                                     std::int64_t window_origin, std::int64_t grid_step, std::int64_t query) {
  auto r = static_cast<std::int64_t>((from - origin) / step + 0.001);  // python int(): towards zero
  auto rsize = std::max<std::int64_t>(1, static_cast<std::int64_t>((to - from) / step + 0.5));
  std::int64_t w = 0, wsize = query;
  if (r < 0) {
    const std::int64_t shift = -r;
    w = static_cast<std::int64_t>(static_cast<double>(wsize) *
                                  (static_cast<double>(shift) / static_cast<double>(rsize)));
    wsize -= w;
    rsize -= static_cast<std::int64_t>(static_cast<double>(rsize) *
                                       (static_cast<double>(shift) / static_cast<double>(rsize)));
    r = 0;
  }
  if (r + rsize > scene_size) {
    wsize = static_cast<std::int64_t>(static_cast<double>(wsize) *
                                      (static_cast<double>(scene_size - r) / static_cast<double>(rsize)));
    rsize = scene_size - r;
  }
  std::vector<std::int64_t> map(static_cast<std::size_t>(query), -1);
  if (rsize <= 0 || wsize <= 0) return map;
  const double increment = static_cast<double>(rsize) / static_cast<double>(wsize);
  for (std::int64_t i = 0; i < wsize && w + i < query; ++i) {
    const auto source = r + static_cast<std::int64_t>(std::floor((static_cast<double>(i) + 0.5) * increment));
    const std::int64_t offset = std::min(source, r + rsize - 1) - window_origin;
    map[static_cast<std::size_t>(w + i)] = offset < 0 ? -1 : offset / grid_step;
  }
  return map;
}

}  // namespace

void query_average(const PyramidScene& scene, const cv::Mat& grid, const GridPlace& place, const TileKey& key,
                   int tile_size, cv::Mat& tile) {
  const auto& gt = scene.warped_geotransform;
  const core::Bounds b = tile_bounds(key, tile_size);
  const std::int64_t query = 4 * static_cast<std::int64_t>(tile_size);
  const auto columns = sample_map(b.min_x, b.max_x, gt[0], gt[1], scene.warped_width, place.x0, place.step, query);
  const auto rows = sample_map(b.max_y, b.min_y, gt[3], gt[5], scene.warped_height, place.y0, place.step, query);
  const int channels = grid.channels();
  const auto inside = [&](std::int64_t r, std::int64_t c) {
    return r >= 0 && c >= 0 && r < grid.rows && c < grid.cols;
  };
  std::vector<std::uint16_t> row_sums(static_cast<std::size_t>(tile_size) * static_cast<std::size_t>(channels));
  for (int j = 0; j < tile_size; ++j) {
    std::fill(row_sums.begin(), row_sums.end(), std::uint16_t{0});
    bool any = false;
    for (int a = 0; a < 4; ++a) {
      const std::int64_t r = rows[static_cast<std::size_t>(4 * j + a)];
      if (r < 0 || r >= grid.rows) continue;
      const std::uint8_t* line = grid.ptr(static_cast<int>(r));
      for (int i = 0; i < tile_size; ++i) {
        for (int bb = 0; bb < 4; ++bb) {
          const std::int64_t c = columns[static_cast<std::size_t>(4 * i + bb)];
          if (!inside(r, c)) continue;
          any = true;
          const std::uint8_t* p = line + c * channels;
          for (int k = 0; k < channels; ++k) row_sums[static_cast<std::size_t>(i * channels + k)] += p[k];
        }
      }
    }
    if (!any) continue;
    std::uint8_t* out = tile.ptr(j);
    for (std::size_t n = 0; n < row_sums.size(); ++n) out[n] = static_cast<std::uint8_t>((row_sums[n] + 8) / 16);
  }
}

}  // namespace swath::webmap
