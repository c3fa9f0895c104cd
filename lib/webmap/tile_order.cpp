// A quadtree's postorder over the tiles in range (every ancestor of a tile in range is in range: ranges are the
// floor of one extent at each zoom, so a parent's range is its children's halved).
#include "webmap/tile_order.hpp"

namespace swath::webmap {

namespace {

// Whether the highest set bit of `a` is below that of `b`.
bool lower_top_bit(std::int64_t a, std::int64_t b) { return a < b && a < (a ^ b); }

void collect_below(const PyramidLayout& layout, const TileKey& tile, std::vector<TileKey>& out) {
  if (!layout.in_range(tile)) return;
  if (tile.z < layout.zooms.max) {
    for (std::int64_t dy = 0; dy < 2; ++dy) {
      for (std::int64_t dx = 0; dx < 2; ++dx)
        collect_below(layout, {tile.z + 1, tile.x * 2 + dx, tile.y * 2 + dy}, out);
    }
  }
  out.push_back(tile);
}

}  // namespace

bool postorder_before(const TileKey& a, const TileKey& b) {
  const int z = std::min(a.z, b.z);
  const std::int64_t ax = a.x >> (a.z - z), ay = a.y >> (a.z - z);
  const std::int64_t bx = b.x >> (b.z - z), by = b.y >> (b.z - z);
  if (ax == bx && ay == by) return a.z > b.z;  // one holds the other (or they are one tile): the deeper first
  // The paths part at the highest bit where x or y differ; a quadrant's row (y) counts before its column (x).
  const std::int64_t dx = ax ^ bx, dy = ay ^ by;
  return lower_top_bit(dy, dx) ? ax < bx : ay < by;
}

std::vector<TileKey> tiles_in_range(const PyramidLayout& layout, const TileKey& root) {
  std::vector<TileKey> out;
  collect_below(layout, root, out);
  return out;
}

bool completes_parent(const PyramidLayout& layout, const TileKey& child) {
  const TileKey parent = child.parent();
  const std::int64_t at = (child.y & 1) * 2 + (child.x & 1);
  for (std::int64_t next = at + 1; next < 4; ++next) {
    if (layout.in_range({child.z, parent.x * 2 + (next & 1), parent.y * 2 + (next >> 1)})) return false;
  }
  return true;
}

}  // namespace swath::webmap
