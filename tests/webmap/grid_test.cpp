// The scene's grid a block reads: at the scene's resolution for the usual zooms, decimated when --zoom's base is much
// coarser, so that a block's memory stays within its share of --max-memory whatever the scene's size.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "webmap/block.hpp"
#include "webmap/mercator.hpp"
#include "webmap/run_setup.hpp"

using namespace swath;
using webmap::TileKey;

namespace {

// An 8000² scene of 10 m pixels, already in EPSG:3857, near (0, 0).
webmap::PyramidScene big_scene() {
  webmap::PyramidScene scene;
  scene.path = "big.tif";
  scene.name = "big";
  scene.data_bands = {1, 2, 3};
  scene.pixel_size = 10;
  scene.warped_geotransform = {0, 10, 0, 80000, 0, -10};
  scene.warped_width = 8000;
  scene.warped_height = 8000;
  scene.meters = {0, 0, 80000, 80000};
  return scene;
}

webmap::PyramidOptions options_for(webmap::ZoomRange zooms) {
  webmap::PyramidOptions options;
  options.tile.format = tiling::Format::png;
  options.tile.resources.max_memory = std::size_t{256} << 20;
  options.webmap.grid = webmap::GridKind::xyz;
  options.webmap.zoom = zooms;
  return options;
}

// The most bytes any block of the layout holds: its canvas and halvings, and every scene's grid under it.
std::size_t largest_block(const webmap::PyramidLayout& layout) {
  std::size_t largest = 0;
  const auto side = static_cast<std::size_t>(layout.tile_size) << (layout.zooms.max - layout.root_zoom);
  for (const auto& root : webmap::subtree_roots(layout.ranges, layout.zooms, layout.root_zoom)) {
    std::size_t bytes = side * side * static_cast<std::size_t>(layout.channels) * 3 / 2;
    for (const auto& scene : *layout.scenes) {
      const auto w = webmap::grid_window(layout, scene, root);
      bytes += static_cast<std::size_t>(w.width * w.height) * static_cast<std::size_t>(layout.channels);
    }
    largest = std::max(largest, bytes);
  }
  return largest;
}

}  // namespace

TEST_CASE("webmap grid: a coarse --zoom reads the scene every few pixels, and a block stays within --max-memory") {
  const std::vector<webmap::PyramidScene> scenes{big_scene()};
  // Zoom 8 is 611 m a pixel: 4 samples a base pixel need one in 15 of the scene's 10 m pixels.
  const auto coarse = webmap::make_layout(options_for({4, 8}), scenes);
  CHECK(webmap::grid_step(scenes[0], 8, 256) == 15);
  const auto root = webmap::subtree_roots(coarse.ranges, coarse.zooms, coarse.root_zoom).front();
  const auto w = webmap::grid_window(coarse, scenes[0], root);
  CHECK(w.step == 15);
  CHECK(w.width <= 8000 / 15 + 1 + 6);
  CHECK(largest_block(coarse) <= options_for({4, 8}).tile.resources.max_memory / 8);
  // Coarser still (zoom 4, 9.8 km a pixel), the grid is no larger: 8000 px of 10 m are 8 base pixels.
  const auto coarser = webmap::make_layout(options_for({2, 4}), scenes);
  CHECK(largest_block(coarser) <= options_for({2, 4}).tile.resources.max_memory / 8);
}

TEST_CASE("webmap grid: at the scene's own resolution every pixel is read, over the block and the kernels' margin") {
  const std::vector<webmap::PyramidScene> scenes{big_scene()};
  // Zoom 13 is 19 m a pixel: fewer than 8 of the scene's pixels each, so no decimation.
  const auto layout = webmap::make_layout(options_for({10, 13}), scenes);
  CHECK(webmap::grid_step(scenes[0], 13, 256) == 1);
  CHECK(layout.grid_factor < 2);
  const TileKey root = webmap::subtree_roots(layout.ranges, layout.zooms, layout.root_zoom).front();
  const auto w = webmap::grid_window(layout, scenes[0], root);
  CHECK(w.step == 1);
  const core::Bounds b = webmap::tile_bounds(root, 256);
  const double west = std::max(0.0, b.min_x), east = std::min(80000.0, b.max_x);
  CHECK(w.width >= static_cast<std::int64_t>((east - west) / 10));
  CHECK(w.width <= static_cast<std::int64_t>((east - west) / 10) + 2 * webmap::grid_margin(layout.grid_factor) + 2);
  // Cubic's kernel spans 2 canvas pixels each side: 3.8 grid pixels here, 16 where the grid is 8× finer.
  CHECK(webmap::grid_margin(layout.grid_factor) == 6);
  CHECK(webmap::grid_margin(0.5) == 3);
  CHECK(webmap::grid_margin(8) == 18);
}

TEST_CASE("webmap grid: a decimated grid starts on a multiple of its step, so every block reads the same samples") {
  // 10 000 km wide, starting 3 m off a multiple of the step: blocks start inside it, anywhere.
  auto wide = big_scene();
  wide.warped_geotransform = {-5000003, 10, 0, 80000, 0, -10};
  wide.warped_width = 1000000;
  wide.meters = {-5000003, 0, 4999997, 80000};
  const std::vector<webmap::PyramidScene> scenes{wide};
  const auto layout = webmap::make_layout(options_for({4, 8}), scenes);
  const auto roots = webmap::subtree_roots(layout.ranges, layout.zooms, layout.root_zoom);
  REQUIRE(roots.size() > 4);
  std::size_t inside = 0;
  for (const auto& root : roots) {
    const auto w = webmap::grid_window(layout, scenes[0], root);
    CHECK(w.step == 15);
    CHECK(w.x0 % w.step == 0);
    CHECK(w.y0 % w.step == 0);
    inside += w.x0 > 0;
  }
  CHECK(inside > 2);
}
