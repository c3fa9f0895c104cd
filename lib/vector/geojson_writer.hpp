// GeoJSON text of a layer already in WGS84 lon/lat, and writing a layer as GeoJSON.
#pragma once

#include <algorithm>
#include <string>

#include "vector/layer.hpp"

namespace swath::vector {

std::string geojson_text(const Layer& wgs84_layer);
void write_geojson(const std::string& path, Layer layer);

}  // namespace swath::vector
