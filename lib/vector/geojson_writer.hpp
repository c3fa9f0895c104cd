// GeoJSON text of a layer already in WGS84 lon/lat, or of any layer (reprojected to WGS84 first).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "vector/layer.hpp"

namespace swath::vector {

std::string geojson_text(const Layer& wgs84_layer);
std::string geojson_text_wgs84(Layer layer);

}  // namespace swath::vector
