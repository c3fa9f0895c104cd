// `--shard I/N` for a pyramid: the pyramid cut into subtrees at a split zoom, each subtree given to one shard, so
// shards share no tile; the zooms above the split are left to the merge (webmap/merge.hpp). Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "tiling/grid.hpp"
#include "webmap/block.hpp"

namespace swath::webmap {

// The split zoom for `count` shards: the lowest zoom from zooms.min to the blocks' root zoom at which at least
// 8·count tiles are in range (8 subtrees a shard on average, so the shares can be balanced), else the root zoom.
// Never below the root zoom's blocks: a shard warps whole blocks, exactly as one machine does.
int split_zoom(const PyramidLayout& layout, std::int64_t count);

// The tiles in range at `split` (depth-first, as the blocks come) and the shard of each: contiguous runs of that
// order, cut where the running count of tiles in range below them crosses k·total/count (balanced by tile count).
struct ShardTops {
  int split = 0;
  std::vector<TileKey> tops;
  std::vector<std::int64_t> shard_of;  // per top
};
ShardTops shard_tops(const PyramidLayout& layout, std::int64_t count);

// One shard's part: its blocks' roots (in the order one machine takes them) and the tiles in range it owns.
struct ShardScope {
  int split = 0;
  std::vector<TileKey> roots;
  std::int64_t planned = 0;
};
ShardScope shard_scope(const PyramidLayout& layout, const tiling::Shard& shard);

// "tiles.jsonl" → "tiles.shard-I-of-N.jsonl", also for N = 1 (a pyramid's shard always needs its merge).
std::string pyramid_shard_file(const std::string& name, const tiling::Shard& shard);

// The "shard" entry of a shard's manifest header: which shard, the split and root zooms and what the merge needs to
// rebuild the layout without the scenes (each scene's extent in EPSG:3857, the data bands).
core::Json shard_json(const PyramidLayout& layout, const tiling::Shard& shard, int split);

}  // namespace swath::webmap
