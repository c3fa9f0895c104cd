// What a detection run read, for its provenance: each input's content, so an output says which bytes it came from.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::detect {

struct InputIdentity {
  std::string scene;        // the `scene` attribute its detections carry
  std::string tile;         // a manifest's tile id ("" for a scene given itself)
  std::string fingerprint;  // raster::scene_fingerprint (a scene), "" when none could be taken
  std::string sha256;       // a manifest tile's SHA-256 (checked against its file before it was read)
};

// {"count", "sha256": one SHA-256 over every input's line (scene, tile, fingerprint, sha256; in run order), and
// "list": the inputs themselves when there are at most `listed` (a manifest may hold millions of tiles)}.
core::Json inputs_json(const std::vector<InputIdentity>& inputs, std::size_t listed = 100);

}  // namespace swath::detect
