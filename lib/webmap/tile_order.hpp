// The order of a pyramid's manifest: depth-first, the four children (row by row) before their parent — a quadtree's
// postorder — which no block size changes, so tiles.jsonl is the same bytes whatever --max-memory.
#pragma once

#include <vector>

#include "webmap/block.hpp"

namespace swath::webmap {

// Whether `a` comes before `b` in that order: a tile's descendants before it, otherwise by the first quadrant
// where their paths from zoom 0 part.
bool postorder_before(const TileKey& a, const TileKey& b);

// The tiles in range of the subtree at `root` (zooms up to the layout's max), in that order.
std::vector<TileKey> tiles_in_range(const PyramidLayout& layout, const TileKey& root);

// Whether `child` is the last of its parent's children in range: once it is in, the parent is complete.
bool completes_parent(const PyramidLayout& layout, const TileKey& child);

}  // namespace swath::webmap
