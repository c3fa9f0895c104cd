// Pure planning for `swath tile`: which scene gets which directory, which grid cells a run takes, tile paths.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tiling/grid.hpp"
#include "tiling/options.hpp"

namespace swath::tiling {

// The grid cells one run takes from a scene: a shard, an explicit list, or both (their intersection).
class Selection {
 public:
  Selection(Shard shard, std::vector<std::int64_t> only);  // `only` empty: every cell
  bool contains(std::int64_t index) const;
  // The first selected index at or after `from`, or `grid_count` when there is none.
  std::int64_t next_from(std::int64_t from, std::int64_t grid_count) const;
  std::int64_t count_in(std::int64_t grid_count) const;
  // The largest explicitly listed index, or -1.
  std::int64_t largest_listed() const { return only_.empty() ? -1 : only_.back(); }

 private:
  Shard shard_;
  std::vector<std::int64_t> only_;  // sorted, unique
};

// A directory name per scene: the file name's stem, with characters outside [A-Za-z0-9._-] replaced by '_'.
// Throws UsageError when two scenes would share one.
std::vector<std::string> scene_names(const std::vector<std::string>& paths);

// The manifest's or index's name for a shard: "tiles.jsonl" → "tiles.shard-3-of-8.jsonl" (unchanged without
// shards), so the N pods of an Indexed Job tiling into one shared directory never write one manifest,
// journal or temporary file between them.
std::string shard_file_name(const std::string& name, const Shard& shard);

// "scene/r000001_c000002": the manifest id of a tile.
std::string tile_id(const std::string& scene_name, const GridWindow& cell);
// "scene/r000001_c000002.tif": the tile's path relative to the output directory.
std::string tile_relative_path(const std::string& scene_name, const GridWindow& cell, Format format);

// The scene, row and column a tile's relative path names ("scene/r000001_c000002.tif" → scene, 1, 2); nothing for a
// path of another shape. Only the shape is read: tile_relative_path of the cell tells whether it is a tile's name.
struct TileCell {
  std::string scene;
  std::int64_t row = 0;
  std::int64_t col = 0;
};
std::optional<TileCell> tile_cell_of(const std::string& path);

}  // namespace swath::tiling
