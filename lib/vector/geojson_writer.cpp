// GeoJSON output written by hand (RFC 7946: WGS84 lon/lat, counter-clockwise exterior rings, 7 decimals),
// so the bytes depend only on the features, and provenance travels as a foreign member.
#include <cmath>

#include "vector/geojson_writer.hpp"

namespace swath::vector {

namespace {

void append_coordinate(std::string& out, double v) { core::append_json_number(out, std::round(v * 1e7) / 1e7); }

void append_ring(std::string& out, Ring ring) {
  if (signed_area(ring) < 0) std::reverse(ring.begin(), ring.end());
  out += "[[";
  for (std::size_t i = 0; i <= ring.size(); ++i) {
    const auto& p = ring[i % ring.size()];  // closes the ring with its first point
    if (i) out += ",";
    out += "[";
    append_coordinate(out, p[0]);
    out += ",";
    append_coordinate(out, p[1]);
    out += "]";
  }
  out += "]]";
}

}  // namespace

std::string geojson_text(const Layer& wgs84_layer) {
  std::string out = "{\"type\":\"FeatureCollection\",\"name\":";
  core::append_json_string(out, wgs84_layer.name);
  if (!wgs84_layer.metadata.is_null()) out += ",\"swath\":" + wgs84_layer.metadata.dump();
  out += ",\"features\":[";
  for (std::size_t f = 0; f < wgs84_layer.features.size(); ++f) {
    const auto& feature = wgs84_layer.features[f];
    out += f ? ",\n" : "\n";
    core::Json properties = core::Json::object();
    for (std::size_t i = 0; i < wgs84_layer.fields.size() && i < feature.values.size(); ++i) {
      properties.set(wgs84_layer.fields[i].name, feature.values[i]);
    }
    out += "{\"type\":\"Feature\",\"properties\":" + properties.dump() + ",\"geometry\":";
    if (feature.ring.size() < 3) {
      out += "null}";
      continue;
    }
    out += "{\"type\":\"Polygon\",\"coordinates\":";
    append_ring(out, feature.ring);
    out += "}}";
  }
  out += "\n]}\n";
  return out;
}

std::string geojson_text_wgs84(Layer layer) {
  reproject(layer, wgs84_wkt());
  return geojson_text(layer);
}

}  // namespace swath::vector
