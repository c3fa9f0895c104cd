// Pyramid shards, pure: the split zoom's rule, and the split zoom's tiles dealt out once each, balanced, in order.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "webmap/run_setup.hpp"
#include "webmap/shards.hpp"

using namespace swath;
using webmap::TileKey;

namespace {

// Two overlapping scenes' ranges over zooms 4..12 (blocks rooted at 11): a wide one and a small one to the east.
webmap::PyramidLayout two_scenes() {
  webmap::PyramidLayout layout;
  layout.zooms = {4, 12};
  layout.root_zoom = 11;
  const auto ranges = [](std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1) {
    std::vector<webmap::TileRange> per_zoom;
    for (int z = 0; z <= 12; ++z) {
      const int d = 12 - z;
      per_zoom.push_back(z < 4 ? webmap::TileRange{z} : webmap::TileRange{z, x0 >> d, y0 >> d, x1 >> d, y1 >> d});
    }
    return per_zoom;
  };
  layout.ranges = {ranges(1000, 2000, 1400, 2100), ranges(1350, 2050, 1500, 2300)};
  return layout;
}

}  // namespace

TEST_CASE("webmap shards: the split zoom is the lowest with 8·N tiles in range, never below the blocks' roots") {
  const auto layout = two_scenes();
  for (std::int64_t n : {1, 2, 3, 8, 1000}) {
    CAPTURE(n);
    const int split = webmap::split_zoom(layout, n);
    CHECK(split >= layout.zooms.min);
    CHECK(split <= layout.root_zoom);
    const auto at = [&](int z) {
      return static_cast<std::int64_t>(webmap::subtree_roots(layout.ranges, layout.zooms, z).size());
    };
    if (split < layout.root_zoom) CHECK(at(split) >= 8 * n);
    if (split > layout.zooms.min) CHECK(at(split - 1) < 8 * n);
  }
  CHECK(webmap::split_zoom(layout, 1000) == layout.root_zoom);  // too few tiles anywhere: the roots themselves
}

TEST_CASE("webmap shards: every split-zoom tile goes to one shard, in contiguous runs balanced by tiles in range") {
  const auto layout = two_scenes();
  for (std::int64_t n : {1, 2, 3, 5}) {
    CAPTURE(n);
    const auto tops = webmap::shard_tops(layout, n);
    REQUIRE(tops.tops == webmap::subtree_roots(layout.ranges, layout.zooms, tops.split));
    REQUIRE(tops.shard_of.size() == tops.tops.size());
    CHECK(std::is_sorted(tops.shard_of.begin(), tops.shard_of.end()));  // contiguous runs of the depth-first order
    std::map<std::int64_t, std::int64_t> load;
    std::int64_t total = 0, heaviest = 0;
    for (std::size_t i = 0; i < tops.tops.size(); ++i) {
      const auto weight = webmap::count_in_range(layout, tops.split, &tops.tops[i]);
      load[tops.shard_of[i]] += weight;
      total += weight;
      heaviest = std::max(heaviest, weight);
    }
    CHECK(total == webmap::count_in_range(layout, tops.split));  // the subtrees hold every tile, none twice
    CHECK(static_cast<std::int64_t>(load.size()) == n);          // 8 subtrees a shard: none is left empty
    for (const auto& [shard, tiles] : load) {
      CAPTURE(shard);
      CHECK(std::abs(tiles * n - total) <= heaviest * n);  // within one subtree of an even share
    }
    // The blocks of all shards are one machine's, each once, in its order.
    std::vector<TileKey> roots;
    for (std::int64_t i = 0; i < n; ++i) {
      const auto scope = webmap::shard_scope(layout, {i, n});
      CHECK(scope.split == tops.split);
      roots.insert(roots.end(), scope.roots.begin(), scope.roots.end());
    }
    std::sort(roots.begin(), roots.end());
    auto all = webmap::subtree_roots(layout.ranges, layout.zooms, layout.root_zoom);
    std::sort(all.begin(), all.end());
    CHECK(roots == all);
  }
}
