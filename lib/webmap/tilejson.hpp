// DIR/tilejson.json: TileJSON 3.0.0, so a map client (MapLibre, Leaflet plugins) can open the pyramid's directory.
#pragma once

#include "core/json.hpp"
#include "webmap/block.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

// The document: tiles "{z}/{x}/{y}.EXT" (relative to the file), zooms, WGS84 bounds of the scenes, a centre.
core::Json tilejson(const PyramidOptions& options, const PyramidLayout& layout);

// Writes tilejson(...) atomically into the output directory; throws IoError.
void write_tilejson(const PyramidOptions& options, const PyramidLayout& layout);

}  // namespace swath::webmap
