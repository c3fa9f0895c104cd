// Scenes lying where the run writes or removes tiles: refused before the first tile (see inputs_in_output.hpp).
#include "tiling/inputs_in_output.hpp"

#include <algorithm>
#include <filesystem>
#include <iterator>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace swath::tiling {

namespace fs = std::filesystem;

namespace {

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void refuse_scenes_in_output(const std::vector<std::string>& scenes, const std::string& output_dir,
                             const std::vector<std::string>& tile_dirs, bool pyramid, bool overwrite) {
  if (output_dir.empty() || core::is_vsi_path(output_dir)) return;
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(output_dir, ec), ec);
  if (ec) return;
  for (const auto& scene : scenes) {
    if (core::is_vsi_path(scene)) continue;
    const fs::path path = fs::weakly_canonical(fs::absolute(scene, ec), ec);
    if (ec) continue;
    const fs::path inside = path.lexically_relative(out);
    if (inside.empty() || *inside.begin() == ".." || std::distance(inside.begin(), inside.end()) < 2) continue;
    const std::string top = inside.begin()->string();
    const bool written =
        pyramid ? all_digits(top) : std::find(tile_dirs.begin(), tile_dirs.end(), top) != tile_dirs.end();
    if (!written && !overwrite) continue;
    // Was: replaced by its first tile of the same name, or removed by --overwrite as another run's tile; exit 0.
    throw core::UsageError(
        "scene '" + scene + "'",
        written ? "it lies in '" + (fs::path(output_dir) / top).string() + "', where this run writes its tiles"
                : "--overwrite removes the other runs' tiles below -o '" + output_dir + "', and it lies among them",
        "tile it into another -o, or move it out of '" + output_dir + "' first");
  }
}

}  // namespace swath::tiling
