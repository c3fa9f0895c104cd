// Selection arithmetic and naming: no I/O, so the fleet can plan the same tiles without touching files.
#include "tiling/plan.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "core/errors.hpp"
#include "core/text.hpp"

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

namespace {

// Characters that show nothing or reorder what follows (C1 controls, no-break and zero-width spaces and joiners,
// bidi marks and overrides, line separators, fillers, variation selectors, tags, BOM): in a directory name they
// would make two names look alike.
bool invisible(char32_t c) {
  return (c >= 0x80 && c <= 0xa0) || c == 0xad || c == 0x34f || c == 0x61c || c == 0x115f || c == 0x1160 ||
         c == 0x17b4 || c == 0x17b5 || (c >= 0x180b && c <= 0x180f) || (c >= 0x2000 && c <= 0x200f) ||
         (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0x3164 ||
         (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 || (c >= 0xfff0 && c <= 0xfffb) ||
         (c >= 0xe0000 && c <= 0xe0fff);
}

char32_t code_point(std::string_view sequence) {
  char32_t c = static_cast<unsigned char>(sequence[0]) & (0x7f >> sequence.size());
  for (std::size_t i = 1; i < sequence.size(); ++i) c = (c << 6) | (static_cast<unsigned char>(sequence[i]) & 0x3f);
  return c;
}

// Letters, digits, '.', '-' and '_' kept, and any other well-formed UTF-8 character that shows (東京.tif → 東京);
// everything else becomes '_' (an invisible character one, each byte of malformed UTF-8 one).
std::string directory_name(std::string_view file) {
  std::string name;
  for (std::size_t i = 0; i < file.size();) {
    const char c = file[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
        c == '_') {
      name += c;
      ++i;
      continue;
    }
    const std::size_t n = static_cast<unsigned char>(c) >= 0x80 ? core::utf8_sequence_length(file, i) : 0;
    const bool shows = n >= 2 && !invisible(code_point(file.substr(i, n)));
    name += shows ? file.substr(i, n) : "_";
    i += std::max<std::size_t>(n, 1);
  }
  return name;
}

}  // namespace

std::vector<std::string> scene_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  std::map<std::string, std::string> first_path;
  for (const auto& path : paths) {
    std::string file = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    const auto dot = file.find_last_of('.');
    if (dot != std::string::npos && dot > 0) file.resize(dot);
    file = directory_name(file);
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

std::optional<TileCell> tile_cell_of(const std::string& path) {
  const auto slash = path.find('/');
  const auto c = path.find("_c", slash);
  if (slash == std::string::npos || c == std::string::npos || path.compare(slash + 1, 1, "r") != 0) return std::nullopt;
  return TileCell{path.substr(0, slash), std::strtoll(path.c_str() + slash + 2, nullptr, 10),
                  std::strtoll(path.c_str() + c + 2, nullptr, 10)};
}

}  // namespace swath::tiling
