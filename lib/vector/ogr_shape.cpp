// Shapes to and from OGR geometries, and the GEOS operations on them.
#include "vector/ogr_shape.hpp"

#include <ogr_geometry.h>

#include <ogr_api.h>

#include <type_traits>

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

bool is_valid(const Shape& shape) {
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);  // GEOS says why: not asked
  return to_ogr(shape)->IsValid();
}

double area(const Shape& shape) {
  double sum = 0;
  for (const auto& polygon : shape) sum += to_ogr({polygon})->toPolygon()->get_Area();
  return sum;
}

bool connected(const std::vector<Shape>& shapes) {
  if (!OGRGeometryFactory::haveGEOS() || !OGRHasPreparedGeometrySupport()) return false;
  std::vector<std::unique_ptr<OGRGeometry>> geometries;
  std::vector<OGREnvelope> envelopes(shapes.size());
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (!has_outline(shapes[i])) return false;
    geometries.push_back(to_ogr(shapes[i]));
    geometries.back()->getEnvelope(&envelopes[i]);
  }
  // Union-find over the pieces; a pair is tested only when their boxes meet and they are not joined yet.
  std::vector<std::size_t> root(shapes.size());
  for (std::size_t i = 0; i < root.size(); ++i) root[i] = i;
  const auto find = [&](std::size_t i) {
    while (root[i] != i) i = root[i] = root[root[i]];
    return i;
  };
  std::size_t groups = shapes.size();
  const raster::CapturedGdalErrors quiet(raster::CapturedGdalErrors::Warnings::keep);
  for (std::size_t i = 0; i < shapes.size() && groups > 1; ++i) {
    std::unique_ptr<std::remove_pointer_t<OGRPreparedGeometryH>, void (*)(OGRPreparedGeometryH)> prepared(
        nullptr, OGRDestroyPreparedGeometry);
    for (std::size_t j = i + 1; j < shapes.size(); ++j) {
      if (find(i) == find(j) || !envelopes[i].Intersects(envelopes[j])) continue;
      if (!prepared) prepared.reset(OGRCreatePreparedGeometry(OGRGeometry::ToHandle(geometries[i].get())));
      if (prepared && OGRPreparedGeometryIntersects(prepared.get(), OGRGeometry::ToHandle(geometries[j].get()))) {
        root[find(i)] = find(j);
        --groups;
      }
    }
  }
  return groups == 1;
}

Shape united(const std::vector<Shape>& shapes) {
  if (!OGRGeometryFactory::haveGEOS()) return {};
  OGRMultiPolygon all;
  for (const auto& shape : shapes) {
    if (shape.empty()) return {};
    for (const auto& polygon : shape) {
      if (polygon.empty() || polygon.front().size() < 3) return {};
      const OGRPolygon part = polygon_of(polygon);
      all.addGeometry(&part);
    }
  }
  const raster::CapturedGdalErrors quiet(
      raster::CapturedGdalErrors::Warnings::keep);  // a failed union is answered by the box
  const std::unique_ptr<OGRGeometry> union_(all.UnionCascaded());
  return shape_of(union_.get());
}

}  // namespace swath::vector
