// Shapes to and from OGR geometries, and the GEOS operations on them.
#include "vector/ogr_shape.hpp"

#include <ogr_geometry.h>

#include <ogr_api.h>

#include <algorithm>
#include <type_traits>

#include "core/cell_index.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::vector {

namespace {

OGRLinearRing linear_ring_of(const Ring& ring) {
  OGRLinearRing linear;
  for (const auto& p : ring) linear.addPoint(p[0], p[1]);
  if (!ring.empty()) linear.addPoint(ring[0][0], ring[0][1]);
  return linear;
}

OGRPolygon polygon_of(const Polygon& polygon) {
  OGRPolygon out;
  for (const auto& ring : polygon) {
    OGRLinearRing linear = linear_ring_of(ring);
    out.addRing(&linear);
  }
  return out;
}

Ring ring_of(const OGRLinearRing& linear) {
  Ring ring;
  for (int i = 0; i + 1 < linear.getNumPoints(); ++i) ring.push_back({linear.getX(i), linear.getY(i)});
  return ring;
}

void add_polygons(const OGRGeometry* geometry, Shape& shape) {
  if (geometry == nullptr) return;
  const auto type = wkbFlatten(geometry->getGeometryType());
  if (type == wkbPolygon) {
    const auto* polygon = geometry->toPolygon();
    if (polygon->getExteriorRing() == nullptr) return;
    Polygon out;
    for (const auto* linear : *polygon) out.push_back(ring_of(*linear));
    shape.push_back(std::move(out));
  } else if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
    for (const auto* part : geometry->toGeometryCollection()) add_polygons(part, shape);
  }
}

}  // namespace

std::unique_ptr<OGRGeometry> to_ogr(const Shape& shape) {
  if (shape.size() == 1) return std::make_unique<OGRPolygon>(polygon_of(shape.front()));
  auto multi = std::make_unique<OGRMultiPolygon>();
  for (const auto& polygon : shape) {
    const OGRPolygon part = polygon_of(polygon);
    multi->addGeometry(&part);
  }
  return multi;
}

Shape shape_of(const OGRGeometry* geometry) {
  Shape shape;
  add_polygons(geometry, shape);
  return shape;
}

bool geos_available() { return OGRGeometryFactory::haveGEOS() && OGRHasPreparedGeometrySupport(); }

bool is_valid(const Shape& shape) {
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);  // GEOS says why: not asked
  return to_ogr(shape)->IsValid();
}

double area(const Shape& shape) {
  double sum = 0;
  for (const auto& polygon : shape) sum += to_ogr({polygon})->toPolygon()->get_Area();
  return sum;
}

namespace {

using PreparedGeometry = std::unique_ptr<std::remove_pointer_t<OGRPreparedGeometryH>, void (*)(OGRPreparedGeometryH)>;

// The geometry of `geometries` (with their envelopes indexed in `cells`) that holds `point`; -1 when none does.
std::ptrdiff_t container_holding(const OGRPoint& point, const std::vector<std::unique_ptr<OGRGeometry>>& geometries,
                                 std::vector<PreparedGeometry>& prepared, const core::CellIndex& cells) {
  for (const std::size_t i : cells.near({point.getX(), point.getY(), point.getX(), point.getY()})) {
    if (!prepared[i]) prepared[i].reset(OGRCreatePreparedGeometry(OGRGeometry::ToHandle(geometries[i].get())));
    if (prepared[i] &&
        OGRPreparedGeometryIntersects(prepared[i].get(), OGRGeometry::ToHandle(const_cast<OGRPoint*>(&point)))) {
      return static_cast<std::ptrdiff_t>(i);
    }
  }
  return -1;
}

}  // namespace

std::vector<std::ptrdiff_t> placed_in(const std::vector<Shape>& containers, const std::vector<Shape>& pieces) {
  std::vector<std::ptrdiff_t> owner(pieces.size(), -1);
  if (containers.empty() || !OGRGeometryFactory::haveGEOS() || !OGRHasPreparedGeometrySupport()) return owner;
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
  std::vector<std::unique_ptr<OGRGeometry>> geometries;
  std::vector<PreparedGeometry> prepared;
  std::vector<core::Bounds> boxes;
  std::vector<double> sizes;
  for (const auto& container : containers) {
    geometries.push_back(to_ogr(container));
    prepared.emplace_back(nullptr, OGRDestroyPreparedGeometry);
    boxes.push_back(envelope(container));
    sizes.push_back(std::max(boxes.back().max_x - boxes.back().min_x, boxes.back().max_y - boxes.back().min_y));
  }
  // Cells twice the median container, but none over 256 cells wide (a lake among a million ponds).
  std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
  const double median = sizes[sizes.size() / 2];
  const double largest = *std::max_element(sizes.begin(), sizes.end());
  core::CellIndex cells(std::max({median * 2, largest / 256, 1e-9}));
  for (std::size_t i = 0; i < boxes.size(); ++i) cells.insert(boxes[i], i);
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    if (!has_outline(pieces[p]) || pieces[p].front().front().size() < 3) continue;
    OGRPolygon first = polygon_of(pieces[p].front());
    const std::unique_ptr<OGRGeometry> inside(
        OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(&first))));
    if (!inside || wkbFlatten(inside->getGeometryType()) != wkbPoint) continue;
    owner[p] = container_holding(*inside->toPoint(), geometries, prepared, cells);
  }
  return owner;
}

// One union of all pieces (GEOS's cascaded union), then each piece placed by a point inside it: testing pairs of
// pieces for shared area instead cost minutes on noisy masks (GEOS's relate on large outlines).
Regions regions_of(const std::vector<Shape>& pieces) {
  Regions out;
  out.owner.assign(pieces.size(), -1);
  if (!OGRGeometryFactory::haveGEOS()) return out;
  OGRMultiPolygon all;
  for (const auto& piece : pieces) {
    for (const auto& polygon : piece) {
      if (polygon.empty() || polygon.front().size() < 3) continue;
      const OGRPolygon part = polygon_of(polygon);
      all.addGeometry(&part);
    }
  }
  std::unique_ptr<OGRGeometry> united;
  {
    const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
    united.reset(all.UnionCascaded());
  }
  if (!united) return out;
  std::vector<Shape> polygons;
  for (auto& polygon : shape_of(united.get())) polygons.push_back({std::move(polygon)});
  out.owner = placed_in(polygons, pieces);
  for (auto& polygon : polygons) out.polygons.push_back(std::move(polygon.front()));
  return out;
}

}  // namespace swath::vector
