// Vector features in memory and on disk: GeoPackage / FlatGeobuf in the layer's CRS, GeoJSON in WGS84
// (RFC 7946), chosen by the file extension. Used for detections, ground truth and evaluation.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/geo.hpp"
#include "core/json.hpp"

namespace swath::vector {

using Point = std::array<double, 2>;
using Ring = std::vector<Point>;    // not closed (the writer closes it)
using Polygon = std::vector<Ring>;  // its exterior ring first, then its holes
// One object's outline: a polygon, or several (a multipolygon: parts touching at a corner, say); empty: none.
using Shape = std::vector<Polygon>;

enum class FieldKind { string, real, integer };

struct FieldSpec {
  std::string name;
  FieldKind kind = FieldKind::string;
};

struct Feature {
  Shape shape;
  std::vector<core::Json> values;  // one per field, in field order
  std::int64_t number = 0;         // its position in the file it was read from, from 1 (0: made here)
};

struct Layer {
  std::string name = "features";
  std::string crs_wkt;  // "" for pixel coordinates (GeoPackage/FlatGeobuf only)
  std::vector<FieldSpec> fields;
  std::vector<Feature> features;
  core::Json metadata;  // provenance and the like: layer metadata / a GeoJSON foreign member
  // read_layer: features with no polygon (a point, a line, no geometry), which hold no shape, and the first one
  // as "feature 3 (Point)" for messages.
  std::int64_t features_without_polygon = 0;
  std::string first_without_polygon;

  int field_index(const std::string& name) const;  // -1 when absent
};

enum class Format { gpkg, fgb, geojson };

// The format of `path` by its extension; throws UsageError naming the supported extensions.
Format format_for_path(const std::string& path);

// Writes atomically (temporary file, then rename). GeoJSON is reprojected to WGS84 lon/lat.
// Identical layers give identical bytes. Throws IoError / DataError.
void write_layer(const std::string& path, const Layer& layer);

// Writes `layer` for `path` under temporary names added to `staged` (FlatGeobuf: its provenance sidecar
// first, then the data), to appear with the caller's other outputs on staged.commit().
void stage_layer(const std::string& path, const Layer& layer, core::StagedFiles& staged);

// Reads the first layer of any OGR vector file, a feature's polygons (with holes) as its shape; features without a
// polygon are counted, not read.
// Throws IoError naming the path.
Layer read_layer(const std::string& path);

// The names of the layers of an existing vector file; empty when there is none or GDAL cannot open it as one.
std::vector<std::string> layer_names(const std::string& path);

// Reprojects every shape to `target_wkt` (lon/lat order for geographic CRSs). Throws DataError.
void reproject(Layer& layer, const std::string& target_wkt);

// Helpers for boxes.
Ring box_ring(const core::Bounds& box);
Shape box_shape(const core::Bounds& box);
core::Bounds envelope(const Ring& ring);
core::Bounds envelope(const Shape& shape);  // of the exterior rings; empty bounds for an empty shape
bool has_outline(const Shape& shape);       // an exterior ring with a point
// `shape` written one way only: each ring from its smallest point (x, then y), holes in the order of their first
// points, polygons likewise; so one region outlined from two windows is the same value.
Shape canonical(Shape shape);
double signed_area(const Ring& ring);  // positive: counter-clockwise in x-east/y-north axes

// WKT of EPSG:4326 in traditional lon/lat order, and of a UTM zone.
std::string wgs84_wkt();
std::string epsg_wkt(int epsg);
// True when `wkt` is a projected CRS (metres or feet, not degrees).
bool is_projected(const std::string& wkt);
// True when `wkt` is a geographic CRS (lon/lat degrees): not a projected one, nor a local (engineering) one.
bool is_geographic(const std::string& wkt);
// True when `wkt` is a geocentric CRS (X/Y/Z from the Earth's centre, EPSG:4978).
bool is_geocentric(const std::string& wkt);
// True when PROJ can transform coordinates of `wkt` to WGS84 lon/lat (what GeoJSON holds): not for a local
// (engineering) CRS, nor one of another planet.
bool reaches_wgs84(const std::string& wkt);

}  // namespace swath::vector
