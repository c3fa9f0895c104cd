// The one window planner: a scene's pixel grid of fixed-size windows with overlap, and shards of it.
// Pure arithmetic, O(1) memory whatever the scene size; `swath tile`, `swath detect` and the fleet path all use it.
#pragma once

#include <cstdint>
#include <string>

#include "core/geo.hpp"

namespace swath::tiling {

enum class Edge { pad, shrink };  // edge windows: full size (padded with nodata) or clipped to the scene

struct GridOptions {
  std::int64_t size = 512;
  std::int64_t overlap = 0;
  Edge edge = Edge::pad;
};

struct GridWindow {
  std::int64_t index = 0;  // row-major position in the grid
  std::int64_t row = 0;
  std::int64_t col = 0;
  core::Window window;     // what the tile covers (past the scene edge when padded)
  core::Window source;     // the part inside the scene
  std::string id() const;  // "r000012_c000034": sortable, stable
};

class Grid {
 public:
  // Throws UsageError when size < 1, overlap < 0, overlap >= size, or the scene is empty.
  Grid(std::int64_t scene_width, std::int64_t scene_height, GridOptions options);

  std::int64_t rows() const { return rows_; }
  std::int64_t columns() const { return columns_; }
  std::int64_t count() const { return rows_ * columns_; }
  std::int64_t stride() const { return options_.size - options_.overlap; }
  GridWindow at(std::int64_t index) const;
  const GridOptions& options() const { return options_; }

 private:
  std::int64_t scene_width_;
  std::int64_t scene_height_;
  GridOptions options_;
  std::int64_t rows_;
  std::int64_t columns_;
};

// `--shard I/N`: window `index` belongs to shard I of N when index % N == I (deterministic, balanced).
struct Shard {
  std::int64_t index = 0;
  std::int64_t count = 1;
  bool contains(std::int64_t window_index) const { return window_index % count == index; }
};

// At most this many shards of one run (`scale-plan --shards` allows as many).
inline constexpr std::int64_t max_shards = 100000;

// Parses "I/N" (0 <= I < N <= max_shards); "" means the whole grid. Throws UsageError naming `source`.
Shard parse_shard(const std::string& text, const std::string& source);

// Windows along one axis of `length` pixels with this size and stride.
std::int64_t windows_along(std::int64_t length, std::int64_t size, std::int64_t stride);

}  // namespace swath::tiling
