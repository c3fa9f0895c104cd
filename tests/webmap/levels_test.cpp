// Lower zooms from their children in memory: the 2×2 reductions and the sink's parents built from block roots.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <opencv2/core.hpp>

#include "webmap/block.hpp"
#include "webmap/tile_order.hpp"
#include "webmap/upper_levels.hpp"

using namespace swath;
using webmap::Resampling;
using webmap::TileKey;

namespace {

// A layout whose ranges hold every tile of zooms 0..3, tiles of 4 px, grey + alpha.
webmap::PyramidLayout small_layout(Resampling resampling) {
  webmap::PyramidLayout layout;
  layout.zooms = {0, 3};
  layout.root_zoom = 2;
  layout.tile_size = 4;
  layout.channels = 2;
  layout.resampling = resampling;
  std::vector<webmap::TileRange> per_zoom;
  for (int z = 0; z <= 3; ++z) per_zoom.push_back({z, 0, 0, (1 << z) - 1, (1 << z) - 1});
  layout.ranges = {per_zoom};
  return layout;
}

cv::Mat filled(int size, int grey, int alpha) { return cv::Mat(size, size, CV_8UC2, cv::Scalar(grey, alpha)); }

}  // namespace

TEST_CASE("levels: each resampling halves a canvas from its 2×2 pixels") {
  cv::Mat canvas(2, 2, CV_8UC2);
  canvas.at<cv::Vec2b>(0, 0) = {10, 255};
  canvas.at<cv::Vec2b>(0, 1) = {30, 255};
  canvas.at<cv::Vec2b>(1, 0) = {30, 255};
  canvas.at<cv::Vec2b>(1, 1) = {50, 255};
  CHECK(webmap::reduce(canvas, Resampling::average).at<cv::Vec2b>(0, 0)[0] == 30);
  CHECK(webmap::reduce(canvas, Resampling::mode).at<cv::Vec2b>(0, 0)[0] == 30);  // 30 twice
  CHECK(webmap::reduce(canvas, Resampling::near).size() == cv::Size(1, 1));
  CHECK(webmap::has_data(canvas));
  CHECK_FALSE(webmap::has_data(filled(4, 9, 0)));
}

TEST_CASE("levels: parents are made from the roots as they arrive, each once, right after their last child in range") {
  const auto layout = small_layout(Resampling::average);
  std::vector<TileKey> emitted;
  std::map<TileKey, cv::Mat> pixels;
  std::vector<TileKey> blank;
  webmap::UpperLevels upper(
      layout,
      [&](const TileKey& key, const cv::Mat& tile) {
        emitted.push_back(key);
        pixels[key] = tile.clone();
      },
      [&](const TileKey& key) { blank.push_back(key); });
  // Depth-first roots at zoom 2: the four children of 1/0/0, then one child of 1/1/0 (partly covered parent).
  upper.add({2, 0, 0}, filled(4, 40, 255));
  upper.add({2, 1, 0}, filled(4, 80, 255));
  upper.add({2, 0, 1}, filled(4, 120, 255));
  CHECK(emitted.empty());  // 1/0/0 still lacks a child in range
  upper.add({2, 1, 1}, filled(4, 160, 255));
  REQUIRE(emitted.size() == 1);  // its last: before any other root comes (the manifest's order, tile_order.hpp)
  CHECK(emitted[0] == TileKey{1, 0, 0});
  upper.add({2, 2, 0}, filled(4, 200, 255));
  CHECK(emitted.size() == 1);
  CHECK(pixels[{1, 0, 0}].at<cv::Vec2b>(0, 0)[0] == 40);   // top-left quadrant from 2/0/0
  CHECK(pixels[{1, 0, 0}].at<cv::Vec2b>(3, 3)[0] == 160);  // bottom-right from 2/1/1
  upper.finish();
  REQUIRE(emitted.size() == 3);
  CHECK(emitted[1] == TileKey{1, 1, 0});
  CHECK(emitted[2] == TileKey{0, 0, 0});
  // 1/1/0 has one covered quadrant: alpha there, none elsewhere.
  CHECK(pixels[{1, 1, 0}].at<cv::Vec2b>(0, 0)[1] == 255);
  CHECK(pixels[{1, 1, 0}].at<cv::Vec2b>(3, 3)[1] == 0);
  // 0/0/0's top-left quadrant is 1/0/0 halved: each 2×2 of it, one grandchild each.
  CHECK(pixels[{0, 0, 0}].at<cv::Vec2b>(0, 0)[0] == 40);
  CHECK(pixels[{0, 0, 0}].at<cv::Vec2b>(0, 1)[0] == 80);
  CHECK(pixels[{0, 0, 0}].at<cv::Vec2b>(1, 1)[0] == 160);
  CHECK(pixels[{0, 0, 0}].at<cv::Vec2b>(0, 2)[0] == 200);  // 1/1/0's covered quadrant
  CHECK(pixels[{0, 0, 0}].at<cv::Vec2b>(2, 2)[1] == 0);    // nothing under 1/1/1
  CHECK(blank.empty());
}

TEST_CASE("levels: a parent in range whose children have no data, or lose it in the halving, is reported blank") {
  const auto layout = small_layout(Resampling::near);
  std::vector<TileKey> emitted, blank;
  webmap::UpperLevels upper(
      layout, [&](const TileKey& key, const cv::Mat&) { emitted.push_back(key); },
      [&](const TileKey& key) { blank.push_back(key); });
  // 1/0/0: four roots without data. 1/1/0: one root whose only covered pixel is one `near` passes over.
  for (const TileKey root : {TileKey{2, 0, 0}, TileKey{2, 1, 0}, TileKey{2, 0, 1}, TileKey{2, 1, 1}})
    upper.add(root, cv::Mat());
  cv::Mat sliver = filled(4, 0, 0);
  sliver.at<cv::Vec2b>(1, 1) = {99, 255};
  upper.add({2, 2, 0}, sliver);
  upper.finish();
  CHECK(emitted.empty());
  CHECK(blank == std::vector<TileKey>{{1, 0, 0}, {1, 1, 0}, {0, 0, 0}});
}

TEST_CASE("levels: the manifest's order is a quadtree's postorder, whatever zoom the blocks are rooted at") {
  auto layout = small_layout(Resampling::average);
  // Every tile of zooms 0..3 from 0/0/0: each tile after its four children, the children row by row.
  const auto all = webmap::tiles_in_range(layout, {0, 0, 0});
  REQUIRE(all.size() == 1 + 4 + 16 + 64);
  CHECK(all[0] == TileKey{3, 0, 0});
  CHECK(all[1] == TileKey{3, 1, 0});
  CHECK(all[2] == TileKey{3, 0, 1});
  CHECK(all[4] == TileKey{2, 0, 0});
  CHECK(all[5] == TileKey{3, 2, 0});
  CHECK(all[20] == TileKey{1, 0, 0});
  CHECK(all.back() == TileKey{0, 0, 0});
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    CAPTURE(all[i].text());
    CHECK(webmap::postorder_before(all[i], all[i + 1]));
    CHECK_FALSE(webmap::postorder_before(all[i + 1], all[i]));
  }
  CHECK_FALSE(webmap::postorder_before(all[7], all[7]));
  // A subtree's tiles are a contiguous run of the whole order; ones out of range are left out.
  const auto below = webmap::tiles_in_range(layout, {1, 1, 1});
  CHECK(std::equal(below.begin(), below.end(), all.begin() + 3 * 21));
  layout.ranges[0][3] = {3, 0, 0, 2, 2};
  CHECK(webmap::tiles_in_range(layout, {2, 1, 1}) == std::vector<TileKey>{{3, 2, 2}, {2, 1, 1}});
  CHECK(webmap::completes_parent(layout, {3, 2, 2}));        // 3/3/2, 3/2/3 and 3/3/3 are out of range
  CHECK_FALSE(webmap::completes_parent(layout, {3, 1, 0}));  // 3/0/1 and 3/1/1 are in
  CHECK(webmap::completes_parent(layout, {3, 1, 1}));
}
