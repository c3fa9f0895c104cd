// GeoJSON output written by hand (RFC 7946: WGS84 lon/lat, counter-clockwise exterior rings, 7 decimals),
// so the bytes depend only on the features, and provenance travels as a foreign member.
#include <algorithm>
#include <cmath>
#include <vector>

#include "vector/geojson_writer.hpp"

#include "core/text.hpp"

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

// The part of `ring` west (`west`) or east of the meridian `cut`: Sutherland–Hodgman against one line.
Ring clip(const Ring& ring, double cut, bool west) {
  const auto inside = [&](const Point& p) { return west ? p[0] <= cut : p[0] >= cut; };
  Ring out;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const Point& p = ring[i];
    const Point& q = ring[(i + 1) % ring.size()];
    if (inside(p)) out.push_back(p);
    if (inside(p) != inside(q) && p[0] != q[0]) {
      const double t = (cut - p[0]) / (q[0] - p[0]);
      out.push_back({cut, p[1] + t * (q[1] - p[1])});
    }
  }
  return out;
}

}  // namespace

std::vector<Ring> cut_at_antimeridian(const Ring& given) {
  if (given.size() < 3) return {given};
  Ring ring = given;  // longitudes within ±180 (a 0-360 scene's past 180 come back by 360)
  for (auto& p : ring) {
    if (p[0] > 180) p[0] -= 360;
    if (p[0] < -180) p[0] += 360;
  }
  // Longitudes made continuous: each point within 180° of the one before it.
  Ring unwrapped{ring.front()};
  bool crossed = false;
  for (std::size_t i = 1; i < ring.size(); ++i) {
    double lon = ring[i][0];
    const double previous = unwrapped.back()[0];
    while (lon - previous > 180) lon -= 360, crossed = true;
    while (lon - previous < -180) lon += 360, crossed = true;
    unwrapped.push_back({lon, ring[i][1]});
  }
  const double closing = unwrapped.back()[0] - unwrapped.front()[0];
  if (!crossed || std::abs(closing) > 180) return {ring};  // no crossing, or a ring around a pole: as it is
  double west = unwrapped.front()[0], east = west;
  for (const auto& p : unwrapped) west = std::min(west, p[0]), east = std::max(east, p[0]);
  const double cut = east > 180 ? 180 : -180;
  // Wholly on one side of the cut (a vertex at ±180 of the other sign made it look across): that side's longitudes.
  if (west >= cut || east <= cut) {
    const double shift = west >= 180 ? -360 : east <= -180 ? 360 : 0;
    for (auto& p : unwrapped) p[0] += shift;
    return {unwrapped};
  }
  std::vector<Ring> parts;
  for (const bool west_side : {true, false}) {
    Ring part = clip(unwrapped, cut, west_side);
    const double shift = west_side ? (cut < 0 ? 360 : 0) : (cut > 0 ? -360 : 0);
    for (auto& p : part) p[0] += shift;
    if (part.size() >= 3) parts.push_back(std::move(part));
  }
  return parts;
}

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
    // A box across the antimeridian is two polygons (RFC 7946 §3.1.9): drawn as one it would span the globe.
    const auto parts = cut_at_antimeridian(feature.ring);
    if (parts.size() == 1) {
      out += "{\"type\":\"Polygon\",\"coordinates\":";
      append_ring(out, parts.front());
    } else {
      out += "{\"type\":\"MultiPolygon\",\"coordinates\":[";
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += ",";
        append_ring(out, parts[i]);
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
