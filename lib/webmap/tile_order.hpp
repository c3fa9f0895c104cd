// The order of a pyramid's manifest: the lowest zoom's tiles row by row, each after its subtree, which is in a
// quadtree's postorder (the four children, row by row, before their parent); no block size changes it, so
// tiles.jsonl is the same bytes whatever --max-memory.
#pragma once

#include <vector>

#include "webmap/block.hpp"

namespace swath::webmap {

// Whether `a` comes before `b` in a subtree's postorder: a tile's descendants before it, otherwise by the first
// quadrant where their paths from zoom 0 part (for tiles of one subtree only: the lowest zoom goes row by row).
bool postorder_before(const TileKey& a, const TileKey& b);

// The tiles in range of the subtree at `root` (zooms up to the layout's max), in that order.
std::vector<TileKey> tiles_in_range(const PyramidLayout& layout, const TileKey& root);

// Whether `child` is the last of its parent's children in range: once it is in, the parent is complete.
bool completes_parent(const PyramidLayout& layout, const TileKey& child);

}  // namespace swath::webmap
