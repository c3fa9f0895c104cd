// Finding a local run's or the fleet's manifest that lists a scene of this run with its options.
#include "tiling/listed_elsewhere.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <regex>

#include "core/errors.hpp"
#include "tiling/manifest_reader.hpp"
#include "tiling/other_runs.hpp"

namespace swath::tiling {

namespace {

namespace fs = std::filesystem;

// The manifest of the family a file stands for ("tiles.jsonl" for its journal ".tiles.jsonl.journal"), if any. A
// fleet task's journal stays in its staging directory.
std::optional<std::string> family_manifest(const std::string& name, const std::string& stem) {
  const bool journal = name.size() > 9 && name[0] == '.' && name.ends_with(".journal");
  const std::string manifest = journal ? name.substr(1, name.size() - 9) : name;
  if (manifest.find(".replaced") != std::string::npos) return std::nullopt;  // set aside by an --overwrite
  if (manifest != stem + ".jsonl" && !(manifest.rfind(stem + ".", 0) == 0 && manifest.ends_with(".jsonl")))
    return std::nullopt;
  return manifest;
}

// A local run's manifest: tiles.jsonl or tiles.shard-I-of-N.jsonl.
bool written_locally(const std::string& manifest, const std::string& stem) {
  static const std::regex shard(R"(\.shard-\d+-of-\d+\.jsonl)");
  return manifest == stem + ".jsonl" ||
         (manifest.rfind(stem, 0) == 0 && std::regex_match(manifest.substr(stem.size()), shard));
}

// A fleet task's: tiles.<32 hex digits, the task id>[.shard-I-of-N].jsonl. Other names (a copy kept as
// tiles.old.jsonl) are neither's.
bool written_by_fleet(const std::string& manifest, const std::string& stem) {
  static const std::regex task(R"(\.[0-9a-f]{32}(\.shard-\d+-of-\d+)?\.jsonl)");
  return manifest.rfind(stem, 0) == 0 && std::regex_match(manifest.substr(stem.size()), task);
}

}  // namespace

bool is_fleet_manifest_name(const std::string& manifest_name) {
  return written_by_fleet(manifest_name, manifest_name.substr(0, manifest_name.find('.')));
}

ListedByOtherKind ListedByOtherKind::find(const std::string& output_dir, const std::string& manifest_name,
                                          const core::Json& header, bool fleet) {
  ListedByOtherKind listed;
  listed.dir_ = output_dir;
  listed.fleet_ = fleet;
  const std::string stem = manifest_name.substr(0, manifest_name.find('.'));
  const auto ours = tile_set_options(core::Json::parse(header.dump()));  // numbers as the files spell them
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(output_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto manifest = family_manifest(name, stem);
    std::error_code type_error;  // not the listing's: a file gone meanwhile ends nothing
    if (!manifest || !(fleet ? written_locally(*manifest, stem) : written_by_fleet(*manifest, stem)) ||
        !it->is_regular_file(type_error))
      continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::optional<ManifestHeader> theirs;
    try {
      ManifestReader reader(output_dir + "/" + name, core::MalformedLines::skip);
      theirs = reader.next_header();
    } catch (const core::IoError&) {
      continue;  // unreadable: what it lists is not known
    }
    if (!theirs || theirs->schema != "swath.tiles/1" || tile_set_options(theirs->json) != ours) continue;
    for (const auto& scene : theirs->scenes) listed.file_of_scene_.emplace(scene.name, name);
  }
  return listed;
}

bool ListedByOtherKind::lists_any(const std::vector<std::string>& scene_names) const {
  return std::any_of(scene_names.begin(), scene_names.end(),
                     [&](const std::string& scene) { return file_of_scene_.count(scene) != 0; });
}

void ListedByOtherKind::refuse(const std::vector<std::string>& scene_names, const std::string& hint) const {
  for (const auto& scene : scene_names) {
    const auto found = file_of_scene_.find(scene);
    if (found == file_of_scene_.end()) continue;
    throw core::UsageError("output '" + dir_ + "'",
                           "'" + found->second + "' lists the tiles of scene '" + scene + "' with these options (" +
                               (fleet_ ? "a local `swath tile` run's" : "the fleet's: a task of `swath enqueue`") +
                               "): this run would list them again",
                           hint);
  }
}

}  // namespace swath::tiling
