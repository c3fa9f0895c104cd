// Shapes to and from OGR geometries, and their union through GEOS.
#pragma once

#include <memory>

#include "vector/layer.hpp"

class OGRGeometry;  // from <ogr_geometry.h>, which callers of to_ogr and shape_of include

namespace swath::vector {

// A Polygon for a shape of one polygon, else a MultiPolygon (rings closed).
std::unique_ptr<OGRGeometry> to_ogr(const Shape& shape);

// The polygons of a Polygon, MultiPolygon or GeometryCollection (other geometries give none), rings unclosed.
Shape shape_of(const OGRGeometry* geometry);

// Whether `shape` is a valid OGC (multi)polygon, by GEOS; and its area (holes taken out).
bool is_valid(const Shape& shape);
double area(const Shape& shape);

// Whether `shapes` make one connected whole (each touches another, and so on): false when any is empty, or without
// GEOS.
bool connected(const std::vector<Shape>& shapes);

// The union of `shapes` (GEOS's cascaded union); empty when GEOS is missing or any of them is empty or invalid.
Shape united(const std::vector<Shape>& shapes);

}  // namespace swath::vector
