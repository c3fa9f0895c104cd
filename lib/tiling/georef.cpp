// Scene CRS → WGS84 with PROJ through OGR, longitude first (GeoJSON order).
#include "tiling/georef.hpp"

#include <algorithm>
#include <cmath>

#include "raster/gdal_errors.hpp"

namespace swath::tiling {

SceneGeoref::SceneGeoref(const raster::SceneInfo& info) : transform_(info.geotransform) {
  if (!transform_ || info.crs_wkt.empty()) return;
  raster::CapturedGdalErrors errors;  // a CRS PROJ cannot transform leaves WGS84 bounds out, it is not an error
  OGRSpatialReference source;
  OGRSpatialReference wgs84;
  if (source.importFromWkt(info.crs_wkt.c_str()) != OGRERR_NONE || wgs84.importFromEPSG(4326) != OGRERR_NONE) return;
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  to_wgs84_.reset(OGRCreateCoordinateTransformation(&source, &wgs84));
  projected_ = source.IsProjected() != 0;
}

std::optional<core::GeoTransform> SceneGeoref::tile_transform(const core::Window& window) const {
  if (!transform_) return std::nullopt;
  return transform_->shifted(window.x, window.y);
}

std::optional<core::Bounds> SceneGeoref::crs_bounds(const core::Window& window) const {
  if (!transform_) return std::nullopt;
  return transform_->bounds_of(window);
}

std::optional<core::Bounds> SceneGeoref::wgs84_bounds(const core::Window& window) const {
  const auto bounds = crs_bounds(window);
  if (!bounds || !to_wgs84_) return std::nullopt;
  raster::CapturedGdalErrors errors;
  core::Bounds out;
  if (!to_wgs84_->TransformBounds(bounds->min_x, bounds->min_y, bounds->max_x, bounds->max_y, &out.min_x, &out.min_y,
                                  &out.max_x, &out.max_y, 21)) {
    return std::nullopt;
  }
  // A padded edge tile of a geographic scene reaches past a pole (latitude -166), which is no position: the
  // footprint stops there. Longitudes are put in -180..180 (a 0-360 scene's 181 is -179), a tile across the
  // antimeridian west > east, as GDAL gives a projected scene's and RFC 7946 reads a bbox; one 360° wide or more
  // is the whole circle.
  out.min_y = std::clamp(out.min_y, -90.0, 90.0);
  out.max_y = std::clamp(out.max_y, -90.0, 90.0);
  // A projected tile reaching a pole (on its edge or corner: GDAL counts only a pole inside) meets every meridian.
  constexpr double at_pole = 90 - 1e-9;
  if (out.max_x - out.min_x >= 360 || (projected_ && (out.max_y >= at_pole || out.min_y <= -at_pole))) {
    out.min_x = -180, out.max_x = 180;
  } else {
    const auto wrapped = [](double x) { return x - 360 * std::floor((x + 180) / 360); };  // in [-180, 180)
    out.min_x = wrapped(out.min_x);
    out.max_x = wrapped(out.max_x);
    if (out.max_x == -180) out.max_x = 180;  // an eastern edge on the antimeridian
  }
  return out;
}

}  // namespace swath::tiling
