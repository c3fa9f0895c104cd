// gdal2tiles' base tile arithmetic (GDAL 3.6), separably: the 4×4 box of nearest samples is a sum over rows of
// sums over columns, each grid row's column sums made once.
#include "webmap/query_average.hpp"

#include <cmath>
#include <vector>

namespace swath::webmap {

std::vector<std::int64_t> query_samples(double from, double to, double origin, double step, std::int64_t scene_size,
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

namespace {

// The 4×4 box sums of one output row. `Channels` known at compile time lets the inner loops unroll (0: any count,
// `channels` at run time); `columns` holds byte offsets into a grid row, -1 outside the grid, looked at only when
// `checked` (the common case of a tile wholly inside the grid runs without a branch per sample).
template <int Channels, bool checked>
void add_row(const std::uint8_t* line, const std::vector<std::int64_t>& columns, int tile_size, int channels,
             std::uint16_t* row_sums) {
  const int n = Channels > 0 ? Channels : channels;
  const std::int64_t* column = columns.data();
  for (int i = 0; i < tile_size; ++i, row_sums += n, column += 4) {
    for (int bb = 0; bb < 4; ++bb) {
      if constexpr (checked) {
        if (column[bb] < 0) continue;
      }
      const std::uint8_t* p = line + column[bb];
      for (int k = 0; k < n; ++k) row_sums[k] = static_cast<std::uint16_t>(row_sums[k] + p[k]);
    }
  }
}

// Query rows repeat (about four query pixels per grid pixel), so each grid row's column sums are made once and
// weighted by how often the tile's query samples that row; the sums are integers, so the result is the same as
// adding sample by sample. The last two rows are kept: query rows only move forward.
template <int Channels>
void average_rows(const cv::Mat& grid, const std::vector<std::int64_t>& rows, const std::vector<std::int64_t>& columns,
                  bool all_inside, int tile_size, cv::Mat& tile) {
  const int channels = grid.channels();
  const std::size_t width = static_cast<std::size_t>(tile_size) * static_cast<std::size_t>(channels);
  std::vector<std::uint16_t> row_sums(width);
  std::vector<std::uint16_t> cache[2] = {std::vector<std::uint16_t>(width), std::vector<std::uint16_t>(width)};
  std::int64_t cached[2] = {-1, -1};
  int next = 0;
  const auto column_sums = [&](std::int64_t r) -> const std::vector<std::uint16_t>& {
    for (int c = 0; c < 2; ++c) {
      if (cached[c] == r) return cache[c];
    }
    auto& sums = cache[next];
    cached[next] = r;
    next ^= 1;
    std::fill(sums.begin(), sums.end(), std::uint16_t{0});
    const std::uint8_t* line = grid.ptr(static_cast<int>(r));
    if (all_inside) {
      add_row<Channels, false>(line, columns, tile_size, channels, sums.data());
    } else {
      add_row<Channels, true>(line, columns, tile_size, channels, sums.data());
    }
    return sums;
  };
  for (int j = 0; j < tile_size; ++j) {
    std::fill(row_sums.begin(), row_sums.end(), std::uint16_t{0});
    bool any = false;
    for (int a = 0; a < 4;) {
      const std::int64_t r = rows[static_cast<std::size_t>(4 * j + a)];
      int times = 1;
      while (a + times < 4 && rows[static_cast<std::size_t>(4 * j + a + times)] == r) ++times;
      a += times;
      if (r < 0 || r >= grid.rows) continue;
      any = true;
      const auto& sums = column_sums(r);
      for (std::size_t n = 0; n < width; ++n) row_sums[n] = static_cast<std::uint16_t>(row_sums[n] + times * sums[n]);
    }
    if (!any) continue;
    std::uint8_t* out = tile.ptr(j);
    if (all_inside) {
      for (std::size_t n = 0; n < width; ++n) out[n] = static_cast<std::uint8_t>((row_sums[n] + 8) / 16);
      continue;
    }
    // A pixel no column of the grid reaches stays as it is too: at zoom 0 one tile holds both parts of a scene
    // across the antimeridian, each part's grid reaching its own side.
    for (int i = 0; i < tile_size; ++i) {
      const std::int64_t* c = columns.data() + 4 * i;
      if (c[0] < 0 && c[1] < 0 && c[2] < 0 && c[3] < 0) continue;
      for (int k = 0; k < channels; ++k) {
        const std::size_t n =
            static_cast<std::size_t>(i) * static_cast<std::size_t>(channels) + static_cast<std::size_t>(k);
        out[n] = static_cast<std::uint8_t>((row_sums[n] + 8) / 16);
      }
    }
  }
}

}  // namespace

void query_average(const PyramidScene& scene, const cv::Mat& grid, const GridPlace& place, const TileKey& key,
                   int tile_size, cv::Mat& tile) {
  const auto& gt = scene.warped_geotransform;
  core::Bounds b = tile_bounds(key, tile_size);
  b.min_x += place.shift;
  b.max_x += place.shift;
  const std::int64_t query = 4 * static_cast<std::int64_t>(tile_size);
  auto columns = query_samples(b.min_x, b.max_x, gt[0], gt[1], scene.warped_width, place.x0, place.step, query);
  const auto rows = query_samples(b.max_y, b.min_y, gt[3], gt[5], scene.warped_height, place.y0, place.step, query);
  const int channels = grid.channels();
  // Grid columns become byte offsets; a row no column of the grid reaches stays as it is, like one outside it.
  bool any_column = false, all_inside = true;
  for (auto& c : columns) {
    if (c < 0 || c >= grid.cols) {
      c = -1;
      all_inside = false;
    } else {
      c *= channels;
      any_column = true;
    }
  }
  if (!any_column) return;
  switch (channels) {
    case 1:
      return average_rows<1>(grid, rows, columns, all_inside, tile_size, tile);
    case 2:
      return average_rows<2>(grid, rows, columns, all_inside, tile_size, tile);
    case 3:
      return average_rows<3>(grid, rows, columns, all_inside, tile_size, tile);
    case 4:
      return average_rows<4>(grid, rows, columns, all_inside, tile_size, tile);
    default:
      return average_rows<0>(grid, rows, columns, all_inside, tile_size, tile);
  }
}

}  // namespace swath::webmap
