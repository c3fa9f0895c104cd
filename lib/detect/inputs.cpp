// Input expansion: scenes pass through, manifests become one input per tile.
#include "detect/inputs.hpp"

#include "core/errors.hpp"
#include "core/json_lines.hpp"
#include "tiling/manifest_reader.hpp"

namespace swath::detect {

namespace {

void expand_manifest(const std::string& manifest, std::vector<InputScene>& out) {
  tiling::ManifestReader reader(manifest);
  while (auto entry = reader.next()) {
    const auto* line = std::get_if<tiling::ManifestLine>(&*entry);
    if (line == nullptr) continue;  // the header
    if (line->status == "failed") {
      const auto* error = line->json.find("error");
      out.push_back({"", line->scene.empty() ? line->id : line->scene, line->id,
                     error != nullptr && error->is_string() ? error->as_string() : "no reason recorded", ""});
      continue;
    }
    if (!line->has_file()) continue;  // a blank tile: no file, nothing to find
    InputScene input;
    input.path = line->tile_file();
    input.tile = line->id;
    input.label = line->scene.empty() ? input.path : line->scene;
    input.sha256 = line->sha256;
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
      out.push_back({input, input, "", "", ""});
    }
  }
  return out;
}

}  // namespace swath::detect
