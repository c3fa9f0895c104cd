// Manifest lines → batches: which file each line's task reads depends on the kind (see the header).
#include "fleet/manifest_batches.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"

namespace swath::fleet {

namespace {

namespace fs = std::filesystem;


std::string value_text(const core::Json& value) { return value.is_string() ? value.as_string() : value.dump(); }

// The raster a line comes from: swath tile writes "scene"; hand-made manifests may say "input".
std::string scene_of(const core::Json& line) {
  std::string scene = core::string_field(line, "scene");
  return scene.empty() ? core::string_field(line, "input") : scene;
}

class Batcher {
 public:
  Batcher(const std::string& path, std::string kind, std::size_t per_batch)
      : manifest_(core::resolved_path(path)), dir_(fs::path(manifest_).parent_path()), kind_(std::move(kind)), per_batch_(per_batch) {}

  // swath tile's header: scene name → source path, for tile tasks.
  void header(const core::Json& line) {
    const auto* scenes = line.find("scenes");
    if (scenes == nullptr || !scenes->is_array()) return;
    for (const auto& scene : scenes->as_array()) {
      if (!scene.is_object()) continue;
      const std::string name = core::string_field(scene, "name"), source = core::string_field(scene, "source");
      if (!name.empty() && !source.empty()) sources_[name] = source;
    }
  }

  void line(core::Json line, const std::string& where) {
    std::string input;
    if (kind_ == "detect") {
      const std::string status = core::string_field(line, "status");
      if (!status.empty() && status != "written") return;  // blank or failed tiles have no file
      input = tile_file(line, where);
    } else if (kind_ == "tile") {
      input = scene_path(line, where);
      // A tile task's indices select tiles of every scene it has: one scene per batch.
      if (!batch_.inputs.empty() && batch_.inputs.front() != input) flush();
    } else {
      input = scene_of(line);
      input = input.empty() ? manifest_ : core::resolved_path(input);
    }
    if (std::find(batch_.inputs.begin(), batch_.inputs.end(), input) == batch_.inputs.end()) batch_.inputs.push_back(input);
    batch_.lines.push_back(std::move(line));
    if (batch_.lines.size() >= per_batch_) flush();
  }

  std::vector<ManifestBatch> finish() {
    flush();
    return std::move(batches_);
  }

 private:
  // swath tile writes "path" relative to the manifest's directory (where the tiles are).
  std::string tile_file(const core::Json& line, const std::string& where) const {
    const std::string path = core::string_field(line, "path");
    if (path.empty()) {
      throw core::DataError(where, "no \"path\"", "a detect task reads the tile file each line names in \"path\"");
    }
    if (core::is_vsi_path(path) || fs::path(path).is_absolute()) return core::resolved_path(path);
    return (dir_ / path).lexically_normal().string();
  }

  // Resolved once per scene name (a manifest has many lines per scene).
  std::string scene_path(const core::Json& line, const std::string& where) {
    const std::string scene = scene_of(line);
    if (scene.empty()) throw core::UsageError(where, "names no scene", "a tile task re-reads the scene of each line");
    if (const auto known = resolved_.find(scene); known != resolved_.end()) return known->second;
    return resolved_[scene] = resolve_scene(scene, where);
  }

  std::string resolve_scene(const std::string& scene, const std::string& where) const {
    const std::string what = where + ": scene '" + scene + "'";
    if (const auto it = sources_.find(scene); it != sources_.end()) {
      const std::string path = core::resolved_path(it->second);
      if (core::is_vsi_path(path) || fs::is_regular_file(path)) return path;
      throw core::UsageError(what, "its source '" + it->second + "' (from the manifest's header) is not a file",
                             "a relative source is taken relative to the current directory: run enqueue where "
                             "`swath tile` ran, or enqueue the scenes themselves with --shards N");
    }
    const std::string path = core::resolved_path(scene);
    if (core::is_vsi_path(path) || fs::is_regular_file(path)) return path;
    throw core::UsageError(what, "is not a file, nor a scene with a \"source\" in the manifest's header",
                           "enqueue a manifest written by this version of `swath tile` (its header names each scene's "
                           "source, relative ones taken relative to the current directory), or the scenes with --shards N");
  }

  void flush() {
    if (batch_.lines.empty()) return;
    batches_.push_back(std::move(batch_));
    batch_ = {};
  }

  std::string manifest_;
  fs::path dir_;
  std::string kind_;
  std::size_t per_batch_;
  std::map<std::string, std::string> sources_;
  std::map<std::string, std::string> resolved_;  // scene name → path
  ManifestBatch batch_;
  std::vector<ManifestBatch> batches_;
};

}  // namespace

Manifest read_manifest(const std::string& path, const std::string& kind, std::size_t per_batch) {
  Batcher batcher(path, kind, std::max<std::size_t>(per_batch, 1));
  Manifest manifest;
  for (auto& [line, where] : core::read_json_lines(path)) {
    if (line.find("schema") != nullptr) {
      batcher.header(line);  // swath tile's header line (provenance, options, scenes), not a tile
      if (manifest.header.is_null()) manifest.header = std::move(line);
      continue;
    }
    batcher.line(std::move(line), where);
  }
  manifest.batches = batcher.finish();
  return manifest;
}

core::Json manifest_task_options(const std::string& kind, const core::Json& options, const core::Json& given,
                                 const core::Json& header, const std::string& manifest) {
  const auto* grid = header.is_object() ? header.find("options") : nullptr;
  if (kind != "tile" || grid == nullptr || !grid->is_object()) return options;
  core::Json out = options;
  for (const char* key : {"size", "overlap", "edge"}) {
    const auto* value = grid->find(key);
    if (value == nullptr) continue;
    if (const auto* mine = given.find(key); mine != nullptr && value_text(*mine) != value_text(*value)) {
      throw core::UsageError("--options " + std::string(key) + " " + value_text(*mine),
                             "the manifest '" + manifest + "' lists the tiles of " + key + " " + value_text(*value) +
                                 ", and its tasks re-tile that grid",
                             "drop " + std::string(key) + " from --options: tasks from a manifest take its grid");
    }
    out.set(key, *value);
  }
  return out;
}

}  // namespace swath::fleet
