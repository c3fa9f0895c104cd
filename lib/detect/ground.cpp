// Ground pixel sizes: pixel edges → longitude/latitude → lengths on the ellipsoid.
#include "detect/ground.hpp"

#include <ogr_spatialref.h>

#include <cmath>
#include <memory>

#include "raster/gdal_errors.hpp"

namespace swath::detect {

namespace {

struct Ellipsoid {
  double a = 0;   // semi-major axis, metres
  double e2 = 0;  // first eccentricity squared
};

// Earth-centred, Earth-fixed coordinates of a point on the ellipsoid (height 0), angles in radians.
std::array<double, 3> earth_centred(const Ellipsoid& e, double lon, double lat) {
  const double s = std::sin(lat);
  const double prime_vertical = e.a / std::sqrt(1 - e.e2 * s * s);
  return {prime_vertical * std::cos(lat) * std::cos(lon), prime_vertical * std::cos(lat) * std::sin(lon),
          prime_vertical * (1 - e.e2) * s};
}

double chord(const std::array<double, 3>& p, const std::array<double, 3>& q) {
  return std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

}  // namespace

std::vector<std::optional<GroundPixel>> ground_pixels(const raster::SceneInfo& info,
                                                      const std::vector<std::array<double, 2>>& at) {
  if (!info.geotransform || info.crs_wkt.empty()) return {};
  OGRSpatialReference srs;
  if (srs.importFromWkt(info.crs_wkt.c_str()) != OGRERR_NONE) return {};
  if (!srs.IsProjected() && !srs.IsGeographic()) return {};  // a local (engineering) CRS
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);    // as a geotransform runs: x east (longitude)
  OGRSpatialReference geographic;
  if (geographic.CopyGeogCSFrom(&srs) != OGRERR_NONE) return {};
  geographic.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRErr error = OGRERR_NONE;
  const double a = geographic.GetSemiMajor(&error);
  if (error != OGRERR_NONE || !(a > 0)) return {};
  const double inverse_flattening = geographic.GetInvFlattening();
  const double f = inverse_flattening > 0 ? 1 / inverse_flattening : 0;  // 0: a sphere
  const Ellipsoid e{a, f * (2 - f)};
  const double radians = geographic.GetAngularUnits();  // per unit of the geographic CRS (degrees, grads)
  const raster::CapturedGdalErrors quiet;               // a point off the projection's domain is no log line
  const std::unique_ptr<OGRCoordinateTransformation> to_geographic(
      OGRCreateCoordinateTransformation(&srs, &geographic));
  if (!to_geographic) return {};

  // Each position's pixel as its four edge midpoints: west, east, north, south.
  std::vector<double> xs, ys;
  for (const auto& [x, y] : at) {
    for (const auto& [dx, dy] : {std::array{-0.5, 0.0}, {0.5, 0.0}, {0.0, -0.5}, {0.0, 0.5}}) {
      const auto map = info.geotransform->apply(x + dx, y + dy);
      xs.push_back(map[0]);
      ys.push_back(map[1]);
    }
  }
  std::vector<int> ok(xs.size(), 0);
  (void)to_geographic->Transform(static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr, ok.data());
  std::vector<std::optional<GroundPixel>> out;
  for (std::size_t i = 0; i < xs.size(); i += 4) {
    bool valid = true;
    std::array<std::array<double, 3>, 4> points{};
    for (std::size_t k = 0; k < 4; ++k) {
      valid = valid && ok[i + k] && std::isfinite(xs[i + k]) && std::isfinite(ys[i + k]);
      if (valid) points[k] = earth_centred(e, xs[i + k] * radians, ys[i + k] * radians);
    }
    if (valid) {
      out.emplace_back(GroundPixel{chord(points[0], points[1]), chord(points[2], points[3])});
    } else {
      out.emplace_back(std::nullopt);
    }
  }
  return out;
}

}  // namespace swath::detect
