// Cutting lon/lat rings and polygons at the antimeridian for GeoJSON (RFC 7946 §3.1.9).
#include "vector/antimeridian.hpp"

#include <ogr_geometry.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "raster/gdal_errors.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::vector {

namespace {

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

// Longitudes within ±180 (a 0-360 scene's past 180 come back by 360).
Ring within_180(Ring ring) {
  for (auto& p : ring) {
    if (p[0] > 180) p[0] -= 360;
    if (p[0] < -180) p[0] += 360;
  }
  return ring;
}

// Longitudes made continuous: each point within 180° of the one before it; `crossed` when any had to move.
Ring continuous(const Ring& ring, bool& crossed) {
  Ring out{ring.front()};
  for (std::size_t i = 1; i < ring.size(); ++i) {
    double lon = ring[i][0];
    const double previous = out.back()[0];
    while (lon - previous > 180) lon -= 360, crossed = true;
    while (lon - previous < -180) lon += 360, crossed = true;
    out.push_back({lon, ring[i][1]});
  }
  return out;
}

// A hole's longitudes moved by whole turns to lie within 180° of its polygon's centre.
Ring next_to(Ring hole, double centre) {
  for (auto& p : hole) {
    while (p[0] - centre > 180) p[0] -= 360;
    while (p[0] - centre < -180) p[0] += 360;
  }
  return hole;
}

double centre_of(const Ring& ring) {
  const auto box = envelope(ring);
  return (box.min_x + box.max_x) / 2;
}

bool convex(const Ring& ring) {
  int sign = 0;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const Point& a = ring[i];
    const Point& b = ring[(i + 1) % ring.size()];
    const Point& c = ring[(i + 2) % ring.size()];
    const double turn = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
    if (turn == 0) continue;
    if (sign == 0) sign = turn > 0 ? 1 : -1;
    if ((turn > 0 ? 1 : -1) != sign) return false;
  }
  return true;
}

// A polygon with holes, or a concave one, cut by GEOS: clipping each ring against the meridian would leave holes
// touching their exterior along the cut and zero-width bridges between the pieces of a concave outline.
std::vector<Polygon> cut_with_geos(const Polygon& polygon) {
  bool crossed = false;
  Polygon unwrapped{continuous(within_180(polygon.front()), crossed)};
  const double centre = centre_of(unwrapped.front());
  for (std::size_t i = 1; i < polygon.size(); ++i) unwrapped.push_back(next_to(polygon[i], centre));
  const double cut = envelope(unwrapped.front()).max_x > 180 ? 180 : -180;
  const auto whole = to_ogr({unwrapped});
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);  // a failure: cut ring by ring
  std::vector<Polygon> out;
  for (const bool west : {true, false}) {
    const auto side =
        to_ogr(box_shape(west ? core::Bounds{cut - 360, -1000, cut, 1000} : core::Bounds{cut, -1000, cut + 360, 1000}));
    const std::unique_ptr<OGRGeometry> part(whole->Intersection(side.get()));
    if (!part) return {};  // GEOS failed: cut ring by ring, not half the polygon
    const double shift = west ? (cut < 0 ? 360 : 0) : (cut > 0 ? -360 : 0);
    for (auto& piece : shape_of(part.get())) {
      for (auto& ring : piece) {
        for (auto& p : ring) p[0] += shift;
      }
      out.push_back(std::move(piece));
    }
  }
  return out;
}

}  // namespace

std::vector<Ring> cut_at_antimeridian(const Ring& given) {
  if (given.size() < 3) return {given};
  const Ring ring = within_180(given);
  bool crossed = false;
  Ring unwrapped = continuous(ring, crossed);
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

std::vector<Polygon> cut_at_antimeridian(const Polygon& polygon) {
  if (polygon.empty() || polygon.front().size() < 3) return {polygon};
  const auto exteriors = cut_at_antimeridian(polygon.front());
  std::vector<Polygon> out;
  if (exteriors.size() == 1) {  // not cut: the holes moved next to the exterior
    out.push_back({exteriors.front()});
    const double centre = centre_of(exteriors.front());
    for (std::size_t i = 1; i < polygon.size(); ++i) out.front().push_back(next_to(polygon[i], centre));
    return out;
  }
  if ((polygon.size() > 1 || !convex(polygon.front())) && OGRGeometryFactory::haveGEOS()) {
    if (auto parts = cut_with_geos(polygon); !parts.empty()) return parts;  // none: GEOS failed (an invalid outline)
  }
  for (const auto& part : exteriors) out.push_back({part});
  return out;
}

}  // namespace swath::vector
