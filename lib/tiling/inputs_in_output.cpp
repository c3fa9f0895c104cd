// Scenes lying where the run writes or removes tiles: refused before the first tile (see inputs_in_output.hpp).
#include "tiling/inputs_in_output.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <regex>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "tiling/plan.hpp"

namespace swath::tiling {

namespace fs = std::filesystem;

namespace {

// A chip's file name (tile_relative_path) or a pyramid's y, in any tile format.
bool tile_file_name(const std::string& name, bool pyramid) {
  static const std::regex chip(R"(r\d+_c\d+\.(tif|png|jpg|webp))");
  static const std::regex xyz(R"(\d+\.(png|jpg|webp))");
  return std::regex_match(name, pyramid ? xyz : chip);
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

fs::path canonical_or_empty(const fs::path& path) {
  std::error_code ec;
  auto out = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::path() : out;
}

}  // namespace

void refuse_scenes_in_output(const std::vector<std::string>& scenes, const std::string& output_dir,
                             const std::vector<std::string>& tile_dirs, bool pyramid, bool overwrite) {
  if (output_dir.empty() || core::is_vsi_path(output_dir)) return;
  const fs::path out = canonical_or_empty(output_dir);
  if (out.empty()) return;
  // The run's tile directories as they resolve (one may be a link elsewhere).
  std::vector<fs::path> written;
  for (const auto& dir : tile_dirs) written.push_back(canonical_or_empty(fs::path(output_dir) / dir));
  for (const auto& scene : scenes) {
    if (core::is_vsi_path(scene)) continue;
    const fs::path path = canonical_or_empty(scene);
    if (path.empty() || !tile_file_name(path.filename().string(), pyramid)) continue;
    std::string why;
    if (pyramid) {
      const fs::path inside = path.lexically_relative(out);
      const std::vector<fs::path> parts(inside.begin(), inside.end());
      if (parts.size() == 3 && all_digits(parts[0].string()) && all_digits(parts[1].string()))
        why = "it is named and placed as a tile of the pyramid this run writes into -o '" + output_dir + "'";
    } else if (std::find(written.begin(), written.end(), path.parent_path()) != written.end()) {
      why = "it lies in '" + (fs::path(output_dir) / path.parent_path().filename()).string() +
            "', where this run writes its tiles, and is named as one of them";
    } else if (overwrite) {
      const fs::path inside = path.lexically_relative(out);
      if (std::distance(inside.begin(), inside.end()) == 2 && *inside.begin() != "..")
        why = "--overwrite removes the other runs' tiles below -o '" + output_dir + "', and it is named as one of them";
    }
    // Was: replaced by the run's tile of its name, or removed by --overwrite as another run's tile; exit 0.
    if (!why.empty())
      throw core::UsageError("scene '" + scene + "'", why,
                             "tile it into another -o, or move it out of '" + output_dir + "' first");
  }
}

std::set<std::string> run_file_names(const TileOptions& options) {
  std::set<std::string> names;
  for (std::int64_t i = 0; i < std::max<std::int64_t>(1, options.shard.count); ++i) {
    const Shard shard{i, options.shard.count};
    names.insert(shard_file_name(options.manifest_name, shard));
    names.insert(shard_file_name(options.index_name, shard));
    names.insert("." + shard_file_name(options.manifest_name, shard) + ".journal");
  }
  return names;
}

void refuse_scene_names(const TileOptions& options, const std::vector<std::string>& names,
                        const std::set<std::string>& reserved, const std::string& verb) {
  const auto files = run_file_names(options);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (files.count(names[i]) != 0 || reserved.count(names[i]) != 0) {
      throw core::UsageError(
          "scene '" + options.scenes[i] + "'",
          "its tiles would go into a directory named '" + names[i] + "', " +
              (files.count(names[i]) != 0 ? "a file this run writes" : "which holds the job's records"),
          "give the scene another file name (a symbolic link will do), and " + verb + " that");
    }
    if (names[i].starts_with('.')) {
      throw core::UsageError("scene '" + options.scenes[i] + "'",
                             "its tiles would go into the hidden directory '" + names[i] +
                                 "', which ls and globs such as */*.tif pass over (and a worker does not commit)",
                             "link or copy the scene to a name that does not start with '.', and " + verb + " that");
    }
  }
}

void refuse_changed_since(const std::string& path, const std::optional<raster::FileStamp>& stamp, bool fleet_task) {
  if (!stamp || raster::file_stamp(path) == stamp) return;
  throw core::IoError(
      "scene '" + path + "'", "it was replaced or written while it was being tiled: its tiles may mix the two",
      fleet_task ? "the task runs again on the file as it is now"
                 : "once the file is complete, run the command again without --resume (a write inside the file "
                   "may leave its fingerprint as it was)");
}

}  // namespace swath::tiling
