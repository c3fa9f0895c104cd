// Input expansion: scenes pass through, manifests become one input per tile.
#include "detect/inputs.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"
#include "core/json.hpp"

namespace swath::detect {

namespace {


void expand_manifest(const std::string& manifest, std::vector<InputScene>& out) {
  const auto base = std::filesystem::path(manifest).parent_path();
  for (const auto& [json, where] : core::read_json_lines(manifest)) {
    if (json.find("schema") != nullptr && json.find("path") == nullptr) continue;  // the manifest's header line
    const std::string status = core::string_field(json, "status");
    if (!status.empty() && status != "written") continue;  // blank or failed tiles have no file
    const std::string path = core::string_field(json, "path");
    if (path.empty()) throw core::DataError(where, "no \"path\"", "each line names a tile file in \"path\"");
    InputScene input;
    input.path = std::filesystem::path(path).is_absolute() ? path : (base / path).string();
    input.tile = !core::string_field(json, "id").empty() ? core::string_field(json, "id") : core::string_field(json, "tile_id");
    if (input.tile.empty()) input.tile = std::filesystem::path(path).stem().string();
    input.label = !core::string_field(json, "scene").empty() ? core::string_field(json, "scene") : input.path;
    out.push_back(std::move(input));
  }
}

}  // namespace

std::vector<InputScene> expand_inputs(const std::vector<std::string>& inputs) {
  if (inputs.empty()) throw core::UsageError("detect", "no scene given", "swath detect SCENE.tif -o out.gpkg");
  std::vector<InputScene> out;
  for (const auto& input : inputs) {
    if (core::is_json_lines_path(input)) {
      expand_manifest(input, out);
    } else {
      out.push_back({input, input, ""});
    }
  }
  return out;
}

}  // namespace swath::detect
