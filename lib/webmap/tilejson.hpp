// DIR/tilejson.json: TileJSON 3.0.0, so a map client (MapLibre, Leaflet plugins) can open the pyramid's directory.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "webmap/block.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

// The document: tiles "{z}/{x}/{y}.EXT" (relative to the file), zooms, WGS84 bounds of the scenes, a centre.
// `minzoom`: the lowest zoom with a tile written (the manifest's other tiles there and above it are blank), or the
// layout's lowest when none is: a zoom whose every tile lost its data in the halvings (a sliver) is not claimed.
core::Json tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom);

// Writes tilejson(...) atomically into the output directory; throws IoError.
void write_tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom);

// Removes a previous run's tilejson.json from `dir` before this run's first tile, as its manifest goes: a map client
// must not find a pyramid half replaced looking complete. Throws IoError.
void remove_tilejson(const std::string& dir);

// The lowest zoom of the tiles seen (written or kept), for tilejson's minzoom.
class LowestZoom {
 public:
  void saw(int zoom) { lowest_ = lowest_ < 0 ? zoom : std::min(lowest_, zoom); }
  int or_else(int zoom) const { return lowest_ < 0 ? zoom : lowest_; }
  bool any() const { return lowest_ >= 0; }

 private:
  int lowest_ = -1;
};

// write_tilejson when `lowest` saw a tile; else none (a map client would open an empty pyramid as a complete one),
// and a warning added to `warnings` and logged, which says how many of the tiles in range `failed`.
void write_tilejson_if_any(const PyramidOptions& options, const PyramidLayout& layout, const LowestZoom& lowest,
                           std::int64_t failed, std::vector<std::string>& warnings);

}  // namespace swath::webmap
