// GeoJSON output written by hand (RFC 7946: WGS84 lon/lat, counter-clockwise exterior rings, 7 decimals),
// so the bytes depend only on the features, and provenance travels as a foreign member.
#include <algorithm>
#include <cmath>
#include <vector>

#include "vector/geojson_writer.hpp"

#include "core/text.hpp"
#include "vector/antimeridian.hpp"

namespace swath::vector {

namespace {

void append_coordinate(std::string& out, double v) { core::append_json_number(out, std::round(v * 1e7) / 1e7); }

// RFC 7946's winding: exteriors counter-clockwise, holes clockwise.
void append_ring(std::string& out, Ring ring, bool exterior) {
  if ((signed_area(ring) < 0) == exterior) std::reverse(ring.begin(), ring.end());
  out += "[";
  for (std::size_t i = 0; i <= ring.size(); ++i) {
    const auto& p = ring[i % ring.size()];  // closes the ring with its first point
    if (i) out += ",";
    out += "[";
    append_coordinate(out, p[0]);
    out += ",";
    append_coordinate(out, p[1]);
    out += "]";
  }
  out += "]";
}

void append_polygon(std::string& out, const Polygon& polygon) {
  out += "[";
  for (std::size_t i = 0; i < polygon.size(); ++i) {
    if (i) out += ",";
    append_ring(out, polygon[i], i == 0);
  }
  out += "]";
}

// The shape's polygons as GeoJSON writes them: each cut at the antimeridian, rings of fewer than 3 points dropped.
std::vector<Polygon> polygons_to_write(const Shape& shape) {
  std::vector<Polygon> out;
  for (const auto& polygon : shape) {
    if (polygon.empty() || polygon.front().size() < 3) continue;
    for (auto& part : cut_at_antimeridian(polygon)) {
      std::erase_if(part, [](const Ring& ring) { return ring.size() < 3; });
      if (!part.empty()) out.push_back(std::move(part));
    }
  }
  return out;
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
    // A box across the antimeridian is two polygons (RFC 7946 §3.1.9): drawn as one it would span the globe.
    const auto parts = polygons_to_write(feature.shape);
    if (parts.empty()) {
      out += "null}";
      continue;
    }
    if (parts.size() == 1) {
      out += "{\"type\":\"Polygon\",\"coordinates\":";
      append_polygon(out, parts.front());
    } else {
      out += "{\"type\":\"MultiPolygon\",\"coordinates\":[";
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += ",";
        append_polygon(out, parts[i]);
      }
      out += "]";
    }
    out += "}}";
  }
  out += "\n]}\n";
  return core::valid_utf8(out);  // GeoJSON is UTF-8: a scene named in Latin-1 gets U+FFFD in its attributes
}

std::string geojson_text_wgs84(Layer layer) {
  reproject(layer, wgs84_wkt());
  return geojson_text(layer);
}

}  // namespace swath::vector
