// Formats by extension, reprojection and box helpers.
#include <ogr_spatialref.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "raster/gdal_errors.hpp"
#include "vector/layer.hpp"

namespace swath::vector {

namespace {

std::string lower_extension(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return core::to_lower(path.substr(dot + 1));
}

OGRSpatialReference srs_from(const std::string& wkt, const std::string& what) {
  OGRSpatialReference srs;
  if (srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) throw core::DataError(what, "its CRS cannot be parsed");
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

void reproject_point(Point& p, OGRCoordinateTransformation& transform, const OGRSpatialReference& source,
                     const std::string& layer_name, const raster::CapturedGdalErrors& errors) {
  double x = p[0], y = p[1];
  if (!transform.Transform(1, &x, &y)) {
    const char* name = source.GetName();
    throw core::DataError("layer '" + layer_name + "'",
                          "point (" + core::Json(p[0]).dump() + ", " + core::Json(p[1]).dump() +
                              ") cannot be reprojected from " + (name != nullptr ? name : "its CRS") + " (" +
                              errors.last_failure() + ")",
                          "its coordinates do not fit its CRS (pixel coordinates in a file that declares a "
                          "geographic CRS?): write it with the CRS its coordinates are in");
  }
  p = {x, y};
}

}  // namespace

int Layer::field_index(const std::string& field) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

Format format_for_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == "gpkg") return Format::gpkg;
  if (ext == "fgb") return Format::fgb;
  if (ext == "geojson" || ext == "json") return Format::geojson;
  throw core::UsageError("output '" + path + "'",
                         ext.empty() ? "it has no extension to choose a format by"
                                     : "no vector driver handles the extension '." + ext + "'",
                         "use .gpkg or .fgb (the scene's CRS) or .geojson (WGS84)");
}

void reproject(Layer& layer, const std::string& target_wkt) {
  if (layer.crs_wkt == target_wkt) return;
  if (layer.crs_wkt.empty()) {
    throw core::DataError("layer '" + layer.name + "'", "it has no CRS, so it cannot be reprojected");
  }
  const auto source = srs_from(layer.crs_wkt, "layer '" + layer.name + "'");
  const auto target = srs_from(target_wkt, "target CRS");
  const raster::CapturedGdalErrors errors;  // PROJ's complaint goes into the message, not the log
  std::unique_ptr<OGRCoordinateTransformation> transform(OGRCreateCoordinateTransformation(&source, &target));
  if (!transform) {
    const char* name = source.GetName();
    throw core::DataError("layer '" + layer.name + "'",
                          std::string("no transformation from its CRS ('") + (name != nullptr ? name : "?") +
                              "') to the target CRS" +
                              (source.IsLocal() ? " (a local or engineering CRS has no place on Earth)" : ""),
                          "write it with the CRS of the place its coordinates are in");
  }
  for (auto& feature : layer.features) {
    for (auto& polygon : feature.shape) {
      for (auto& ring : polygon) {
        for (auto& p : ring) reproject_point(p, *transform, source, layer.name, errors);
      }
    }
  }
  layer.crs_wkt = target_wkt;
}

Ring box_ring(const core::Bounds& b) {
  return {{b.min_x, b.min_y}, {b.max_x, b.min_y}, {b.max_x, b.max_y}, {b.min_x, b.max_y}};
}

Shape box_shape(const core::Bounds& b) { return {{box_ring(b)}}; }

core::Bounds envelope(const Shape& shape) {
  std::optional<core::Bounds> out;
  for (const auto& polygon : shape) {
    if (polygon.empty() || polygon.front().empty()) continue;
    const auto b = envelope(polygon.front());
    out = out ? core::Bounds{std::min(out->min_x, b.min_x), std::min(out->min_y, b.min_y),
                             std::max(out->max_x, b.max_x), std::max(out->max_y, b.max_y)}
              : b;
  }
  return out.value_or(core::Bounds{});
}

bool has_outline(const Shape& shape) {
  return std::any_of(shape.begin(), shape.end(),
                     [](const Polygon& polygon) { return !polygon.empty() && !polygon.front().empty(); });
}

Shape canonical(Shape shape) {
  for (auto& polygon : shape) {
    for (auto& ring : polygon) {
      if (!ring.empty()) std::rotate(ring.begin(), std::min_element(ring.begin(), ring.end()), ring.end());
    }
    if (polygon.size() > 2) std::sort(polygon.begin() + 1, polygon.end());
  }
  std::sort(shape.begin(), shape.end());
  return shape;
}

core::Bounds envelope(const Ring& ring) {
  if (ring.empty()) return {};
  core::Bounds b{ring[0][0], ring[0][1], ring[0][0], ring[0][1]};
  for (const auto& p : ring) {
    b.min_x = std::min(b.min_x, p[0]);
    b.max_x = std::max(b.max_x, p[0]);
    b.min_y = std::min(b.min_y, p[1]);
    b.max_y = std::max(b.max_y, p[1]);
  }
  return b;
}

double signed_area(const Ring& ring) {
  double twice = 0;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const auto& a = ring[i];
    const auto& b = ring[(i + 1) % ring.size()];
    twice += a[0] * b[1] - b[0] * a[1];
  }
  return twice / 2;
}

std::string wgs84_wkt() { return epsg_wkt(4326); }

std::string epsg_wkt(int epsg) {
  OGRSpatialReference srs;
  // Without PROJ's database every CRS would be empty: files written without one, then read as pixel coordinates.
  if (srs.importFromEPSG(epsg) != OGRERR_NONE) {
    throw core::DataError("EPSG:" + std::to_string(epsg), "PROJ does not know it",
                          "check PROJ's database (proj.db; the PROJ_DATA variable)");
  }
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string out = wkt ? wkt : "";
  CPLFree(wkt);
  return out;
}

bool is_geographic(const std::string& wkt) {
  if (wkt.empty()) return false;
  OGRSpatialReference srs;
  if (srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) return false;
  return srs.IsGeographic() != 0;
}

bool is_geocentric(const std::string& wkt) {
  if (wkt.empty()) return false;
  OGRSpatialReference srs;
  if (srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) return false;
  return srs.IsGeocentric() != 0;
}

bool reaches_wgs84(const std::string& wkt) {
  OGRSpatialReference source;
  if (wkt.empty() || source.importFromWkt(wkt.c_str()) != OGRERR_NONE) return false;
  const auto target = srs_from(wgs84_wkt(), "WGS84");
  const raster::CapturedGdalErrors quiet;  // PROJ's complaint is the answer, not a log line
  const std::unique_ptr<OGRCoordinateTransformation> transform(OGRCreateCoordinateTransformation(&source, &target));
  return transform != nullptr;
}

bool is_projected(const std::string& wkt) {
  if (wkt.empty()) return false;
  OGRSpatialReference srs;
  if (srs.importFromWkt(wkt.c_str()) != OGRERR_NONE) return false;
  return srs.IsProjected() != 0;
}

}  // namespace swath::vector
