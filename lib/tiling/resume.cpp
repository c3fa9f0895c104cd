// Loading previous records and checking the files they name.
#include "tiling/resume.hpp"

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "raster/fingerprint.hpp"
#include "tiling/manifest_reader.hpp"

namespace swath::tiling {

namespace {

// The header's description of each scene, by name. Its "source" path is left out: the same scene named
// another way (./a.tif, an absolute path, older manifests without it) still resumes. So is a pyramid's
// "geotransform": a pyramid made before headers recorded it still resumes (a scene moved since is refused before
// this, tiling::OtherRuns).
std::map<std::string, core::Json> scenes_of(const ManifestHeader& header) {
  std::map<std::string, core::Json> scenes;
  for (const auto& scene : header.scenes) {
    core::Json described = core::Json::object();
    for (const auto& [key, value] : scene.json.as_object()) {
      if (key != "source" && key != "geotransform") described.set(key, value);
    }
    scenes.emplace(scene.name, std::move(described));
  }
  return scenes;
}

// The scenes' names in the header's order: a web-map tile is composited from all of them, the later on top.
std::vector<std::string> stacking_of(const ManifestHeader& header) {
  std::vector<std::string> names;
  for (const auto& scene : header.scenes) names.push_back(scene.name);
  return names;
}

}  // namespace

PreviousRun PreviousRun::load(const std::string& output_dir, const std::string& manifest_name,
                              const core::Json& header) {
  PreviousRun run;
  run.read(output_dir + "/" + manifest_name, header);
  run.read(journal_path(output_dir, manifest_name), header);  // newer than the manifest when both exist
  for (const auto& name : run.matched_scenes_) run.changed_scenes_.erase(name);  // some records of it still count
  return run;
}

void PreviousRun::read(const std::string& path, const core::Json& header) {
  std::optional<ManifestReader> reader;
  try {
    reader.emplace(path,
                   core::MalformedLines::skip);  // a line torn by a kill, or a hand-edited one: that tile is redone
  } catch (const core::IoError&) {
    return;  // no such file: nothing to keep
  }
  const auto current_header = ManifestHeader::from(header);
  const auto current_scenes = scenes_of(current_header);
  const auto current_stacking = stacking_of(current_header);
  std::set<std::string> accepted;  // scenes whose records count: same options hash, same scene description
  bool all_accepted = false;       // a web-map tile is made of every scene: its records count when all match
  try {
    while (auto entry = reader->next()) {
      if (const auto* line = std::get_if<ManifestLine>(&*entry)) {
        auto record = line->record();
        if (record && (accepted.count(record->scene) != 0 || (record->xyz && all_accepted)))
          records_.insert_or_assign(record->id, std::move(*record));
        continue;
      }
      const auto& previous = std::get<ManifestHeader>(*entry);
      accepted.clear();
      all_accepted = false;
      if (!same_options(previous.json, header)) {
        ++ignored_files_;
        continue;
      }
      for (const auto& [name, scene] : scenes_of(previous)) {
        const auto current = current_scenes.find(name);
        if (current == current_scenes.end()) continue;
        // Without a fingerprint (a file that could not be read) nothing says the scene is the one tiled: redone.
        if (current->second == scene && current->second.find("fingerprint") != nullptr) {
          accepted.insert(name);
          matched_scenes_.insert(name);
        } else {
          changed_scenes_.insert(name);
        }
      }
      // Another scene list or order would have composited other pixels: every scene the same, in the same order.
      all_accepted = !current_scenes.empty() && accepted.size() == current_scenes.size() &&
                     stacking_of(previous) == current_stacking;
    }
  } catch (const core::IoError&) {
    // A read that failed part-way: what was read counts, the rest is redone.
  }
}

const TileRecord* PreviousRun::reusable(const std::string& id, const std::string& output_dir,
                                        const std::string& tile_path) const {
  const auto it = records_.find(id);
  if (it == records_.end()) return nullptr;
  const TileRecord& record = it->second;
  if (record.status == TileStatus::blank) return &record;
  if (record.status != TileStatus::written || record.path != tile_path) return nullptr;
  const std::string path = output_dir + "/" + tile_path;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || static_cast<std::uint64_t>(info.st_size) != record.bytes) return nullptr;
  try {
    return raster::sha256_file_hex(path) == record.sha256 ? &record : nullptr;
  } catch (const core::Error&) {
    return nullptr;
  }
}

}  // namespace swath::tiling
