// Selection arithmetic and naming: no I/O, so the fleet can plan the same tiles without touching files.
#include "tiling/plan.hpp"

#include <algorithm>
#include <map>

#include "core/errors.hpp"

namespace swath::tiling {

Selection::Selection(Shard shard, std::vector<std::int64_t> only) : shard_(shard), only_(std::move(only)) {
  std::sort(only_.begin(), only_.end());
  only_.erase(std::unique(only_.begin(), only_.end()), only_.end());
}

bool Selection::contains(std::int64_t index) const {
  if (!shard_.contains(index)) return false;
  return only_.empty() || std::binary_search(only_.begin(), only_.end(), index);
}

std::int64_t Selection::next_from(std::int64_t from, std::int64_t grid_count) const {
  if (only_.empty()) {
    // The shard's members are index ≡ shard.index (mod shard.count).
    const std::int64_t offset = ((shard_.index - from) % shard_.count + shard_.count) % shard_.count;
    return std::min(from + offset, grid_count);
  }
  for (auto it = std::lower_bound(only_.begin(), only_.end(), from); it != only_.end() && *it < grid_count; ++it) {
    if (shard_.contains(*it)) return *it;
  }
  return grid_count;
}

std::int64_t Selection::count_in(std::int64_t grid_count) const {
  if (only_.empty()) {
    if (grid_count <= shard_.index) return 0;
    return (grid_count - shard_.index + shard_.count - 1) / shard_.count;
  }
  return std::count_if(only_.begin(), only_.end(),
                       [&](std::int64_t i) { return i < grid_count && shard_.contains(i); });
}

std::vector<std::string> scene_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  std::map<std::string, std::string> first_path;
  for (const auto& path : paths) {
    std::string file = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    const auto dot = file.find_last_of('.');
    if (dot != std::string::npos && dot > 0) file.resize(dot);
    for (char& c : file) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '_';
      if (!ok) c = '_';
    }
    if (file.empty() || file == "." || file == "..") file = "scene";
    const auto [it, inserted] = first_path.emplace(file, path);
    if (!inserted) {
      throw core::UsageError("scenes '" + it->second + "' and '" + path + "'",
                             "both would be tiled into the directory '" + file + "'",
                             "tile them into different output directories");
    }
    names.push_back(file);
  }
  return names;
}

std::string shard_file_name(const std::string& name, const Shard& shard) {
  if (shard.count <= 1) return name;
  const auto dot = name.find_last_of('.');
  const std::string stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
  const std::string extension = dot == std::string::npos || dot == 0 ? "" : name.substr(dot);
  return stem + ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) + extension;
}

std::string tile_id(const std::string& scene_name, const GridWindow& cell) { return scene_name + "/" + cell.id(); }

std::string tile_relative_path(const std::string& scene_name, const GridWindow& cell, Format format) {
  return tile_id(scene_name, cell) + "." + file_extension(format);
}

}  // namespace swath::tiling
