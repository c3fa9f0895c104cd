// The split zoom and the balanced, deterministic assignment of its subtrees to shards.
#include "webmap/shards.hpp"

#include <algorithm>
#include <set>

#include "webmap/run_setup.hpp"

namespace swath::webmap {

int split_zoom(const PyramidLayout& layout, std::int64_t count) {
  for (int z = layout.zooms.min; z < layout.root_zoom; ++z) {
    if (static_cast<std::int64_t>(subtree_roots(layout.ranges, layout.zooms, z).size()) >= 8 * count) return z;
  }
  return layout.root_zoom;
}

ShardTops shard_tops(const PyramidLayout& layout, std::int64_t count) {
  ShardTops out;
  out.split = split_zoom(layout, count);
  out.tops = subtree_roots(layout.ranges, layout.zooms, out.split);
  std::vector<std::int64_t> weight;
  std::int64_t total = 0;
  for (const auto& top : out.tops) {
    weight.push_back(count_in_range(layout, out.split, &top));
    total += weight.back();
  }
  std::int64_t before = 0;
  for (std::size_t i = 0; i < out.tops.size(); ++i) {
    // The shard whose share holds this subtree's middle tile: (before + weight/2) · count / total.
    const std::int64_t shard = total == 0 ? 0 : ((2 * before + weight[i]) * count) / (2 * total);
    out.shard_of.push_back(std::min(shard, count - 1));
    before += weight[i];
  }
  return out;
}

ShardScope shard_scope(const PyramidLayout& layout, const tiling::Shard& shard) {
  const ShardTops tops = shard_tops(layout, shard.count);
  ShardScope scope;
  scope.split = tops.split;
  std::set<TileKey> mine;
  for (std::size_t i = 0; i < tops.tops.size(); ++i) {
    if (tops.shard_of[i] != shard.index) continue;
    mine.insert(tops.tops[i]);
    scope.planned += count_in_range(layout, tops.split, &tops.tops[i]);
  }
  for (const auto& root : subtree_roots(layout.ranges, layout.zooms, layout.root_zoom)) {
    const int up = root.z - tops.split;
    if (mine.count(TileKey{tops.split, root.x >> up, root.y >> up}) != 0) scope.roots.push_back(root);
  }
  return scope;
}

std::string pyramid_shard_file(const std::string& name, const tiling::Shard& shard) {
  const auto dot = name.find_last_of('.');
  const std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
  const std::string extension = dot == std::string::npos || dot == 0 ? "" : name.substr(dot);
  return stem + ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) + extension;
}

core::Json shard_json(const PyramidLayout& layout, const tiling::Shard& shard, int split) {
  core::Json meters = core::Json::array();
  for (const auto& scene : *layout.scenes) {
    const auto& m = scene.meters;
    meters.push_back(core::Json::Array{m.min_x, m.min_y, m.max_x, m.max_y});
  }
  return core::Json::Object{{"index", shard.index},
                            {"count", shard.count},
                            {"split_zoom", split},
                            {"root_zoom", layout.root_zoom},
                            {"data_bands", layout.channels - 1},
                            {"meters", std::move(meters)}};
}

}  // namespace swath::webmap
