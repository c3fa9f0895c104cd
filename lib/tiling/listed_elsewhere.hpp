// A scene's tiles already listed by the other kind of run in one output: a local `swath tile` and the fleet's tasks
// name their manifests apart, so neither replaces the other's and both would list the same tiles.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::tiling {

// A fleet task's manifest name (tiles.<32-hex task id>[.shard-I-of-N].jsonl), not a local run's (tiles.jsonl,
// tiles.shard-I-of-N.jsonl).
bool is_fleet_manifest_name(const std::string& manifest_name);

// The scenes that manifests (and a local run's journals) of `manifest_name`'s family written by the other kind of run
// list with the options of `header` (a chips header; its "scenes" are not read). `fleet`: this run is a fleet task,
// so local runs' files count (tiles.jsonl, tiles.shard-I-of-N.jsonl, their journals); else the fleet's
// (tiles.<task id>[.shard-I-of-N].jsonl; other names, such as a copy kept as tiles.old.jsonl, are
// neither's). Other options are another tile set, OtherRuns' to find. Read once per output
// and options: a fleet output holds a manifest per task.
class ListedByOtherKind {
 public:
  static ListedByOtherKind find(const std::string& output_dir, const std::string& manifest_name,
                                const core::Json& header, bool fleet);
  // Throws UsageError naming the output, the manifest and the first of `scene_names` listed there, with `hint`.
  void refuse(const std::vector<std::string>& scene_names, const std::string& hint) const;
  bool lists_any(const std::vector<std::string>& scene_names) const;

 private:
  std::string dir_;
  bool fleet_ = false;
  std::map<std::string, std::string> file_of_scene_;
};

}  // namespace swath::tiling
