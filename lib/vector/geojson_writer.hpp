// GeoJSON text of a layer already in WGS84 lon/lat, or of any layer (reprojected to WGS84 first).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "vector/layer.hpp"

namespace swath::vector {

std::string geojson_text(const Layer& wgs84_layer);
// A lon/lat ring with an edge across the antimeridian, cut there into its western and eastern parts (each within
// ±180°); any other ring (also one around a pole) as it is.
std::vector<Ring> cut_at_antimeridian(const Ring& ring);
std::string geojson_text_wgs84(Layer layer);

}  // namespace swath::vector
