// The window planner: counts, positions, overlap, edges, shards, bad options.
#include <doctest/doctest.h>

#include <set>

#include "core/errors.hpp"
#include "tiling/grid.hpp"

using namespace swath;
using tiling::Edge;
using tiling::Grid;

TEST_CASE("grid: windows cover the scene row-major with the stride") {
  const Grid grid(1000, 600, {512, 0, Edge::pad});
  CHECK(grid.columns() == 2);
  CHECK(grid.rows() == 2);
  const auto last = grid.at(3);
  CHECK(last.row == 1);
  CHECK(last.col == 1);
  CHECK(last.window == core::Window{512, 512, 512, 512});
  CHECK(last.source == core::Window{512, 512, 488, 88});
  CHECK(last.id() == "r000001_c000001");
}

TEST_CASE("grid: overlap shares pixels between neighbours and the last window reaches the edge") {
  const Grid grid(1000, 512, {512, 64, Edge::shrink});
  CHECK(grid.stride() == 448);
  REQUIRE(grid.columns() == 3);  // 0..512, 448..960, 896..1000
  CHECK(grid.rows() == 1);
  CHECK(grid.at(1).window == core::Window{448, 0, 512, 512});
  CHECK(grid.at(2).window == core::Window{896, 0, 104, 512});  // shrunk to the scene
  CHECK(grid.at(0).window.right() - grid.at(1).window.x == 64);
}

TEST_CASE("grid: every pixel is covered, for many sizes") {
  for (std::int64_t width : {1, 7, 511, 512, 513, 1000, 4097}) {
    for (std::int64_t overlap : {0, 3, 100}) {
      const Grid grid(width, 5, {128, overlap, Edge::shrink});
      std::int64_t covered_to = 0;
      for (std::int64_t i = 0; i < grid.columns(); ++i) {
        const auto w = grid.at(i).window;
        CHECK(w.x <= covered_to);  // no gap
        covered_to = std::max(covered_to, w.right());
        CHECK(w.right() <= width);
      }
      CAPTURE(width);
      CAPTURE(overlap);
      CHECK(covered_to == width);
      if (grid.columns() > 1) CHECK(grid.at(grid.columns() - 2).window.right() < width);  // no redundant last window
    }
  }
}

TEST_CASE("grid: a scene smaller than one tile gives one padded tile") {
  const Grid grid(100, 50, {512, 0, Edge::pad});
  CHECK(grid.count() == 1);
  CHECK(grid.at(0).window == core::Window{0, 0, 512, 512});
  CHECK(grid.at(0).source == core::Window{0, 0, 100, 50});
}

TEST_CASE("grid: bad options are usage errors naming the value") {
  CHECK_THROWS_WITH_AS(Grid(100, 100, {512, 512, Edge::pad}),
                       "overlap 512: must be at least 0 and less than the tile size 512", core::UsageError);
  CHECK_THROWS_AS(Grid(100, 100, {0, 0, Edge::pad}), core::UsageError);
  CHECK_THROWS_AS(Grid(100, 100, {64, -1, Edge::pad}), core::UsageError);
  CHECK_THROWS_AS(Grid(0, 100, {64, 0, Edge::pad}), core::DataError);
}

TEST_CASE("grid: shards partition the windows") {
  const Grid grid(5000, 3000, {256, 0, Edge::pad});
  std::set<std::int64_t> seen;
  for (std::int64_t s = 0; s < 3; ++s) {
    const auto shard = tiling::parse_shard(std::to_string(s) + "/3", "--shard");
    for (std::int64_t i = 0; i < grid.count(); ++i) {
      if (shard.contains(i)) CHECK(seen.insert(i).second);
    }
  }
  CHECK(static_cast<std::int64_t>(seen.size()) == grid.count());
  CHECK(tiling::parse_shard("", "--shard").count == 1);
  // "/3" (an unset $JOB_COMPLETION_INDEX), numbers past 64 bits and an N no run has were read as shard 0, or made
  // gigabytes of names.
  for (const char* bad : {"3/3", "1", "a/b", "-1/2", "1/0", "1/2x", "/3", "0/", "18446744073709551617/3",
                          "0/99999999999999999999", "0/100001"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(tiling::parse_shard(bad, "--shard"), core::UsageError);
  }
}
