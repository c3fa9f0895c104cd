// Shapes to and from OGR geometries, and the GEOS operations swath needs on them (validity, area, union, placing).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "vector/layer.hpp"

class OGRGeometry;  // from <ogr_geometry.h>, which callers of to_ogr and shape_of include

namespace swath::vector {

// A Polygon for a shape of one polygon, else a MultiPolygon (rings closed).
std::unique_ptr<OGRGeometry> to_ogr(const Shape& shape);

// The polygons of a Polygon, MultiPolygon or GeometryCollection (other geometries give none), rings unclosed.
Shape shape_of(const OGRGeometry* geometry);

// Whether GDAL was built with GEOS and its prepared geometries (what regions_of and placed_in need).
bool geos_available();

// Whether `shape` is a valid OGC (multi)polygon, by GEOS; and its area (holes taken out).
bool is_valid(const Shape& shape);
double area(const Shape& shape);

// The objects a set of pieces make: their union split into its polygons (pieces sharing area or an edge are one,
// pieces meeting at a corner are two), and for each piece the polygon its inside lies in, or -1 for a piece without
// an outline. `sources[i]` names where piece i was outlined, "file\nwindow": pieces of one source are apart (they
// never share area or an edge), and pieces of one file see the same pixels. Empty polygons when GEOS is missing or
// fails.
struct Regions {
  std::vector<Polygon> polygons;
  std::vector<std::ptrdiff_t> owner;  // per piece
};
Regions regions_of(const std::vector<Shape>& pieces, const std::vector<std::string>& sources);

// For each piece, the shape of `containers` its inside lies in (the first, for containers that overlap), or -1.
std::vector<std::ptrdiff_t> placed_in(const std::vector<Shape>& containers, const std::vector<Shape>& pieces);

}  // namespace swath::vector
