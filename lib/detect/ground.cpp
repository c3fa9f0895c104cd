// Ground pixel sizes: pixel edges → longitude/latitude → lengths on the ellipsoid.
#include "detect/ground.hpp"

#include <ogr_spatialref.h>

#include <cmath>
#include <memory>

namespace swath::detect {

namespace {

constexpr double pi = 3.14159265358979323846;

struct Ellipsoid {
  double a = 0;   // semi-major axis, metres
  double e2 = 0;  // first eccentricity squared
};

// The length of a short step (d_lat, d_lon in radians) at latitude `lat`: the meridian's and the prime vertical's
// radii of curvature there.
double step_metres(const Ellipsoid& e, double lat, double d_lat, double d_lon) {
  const double s = std::sin(lat);
  const double w = std::sqrt(1 - e.e2 * s * s);
  const double meridian = e.a * (1 - e.e2) / (w * w * w);
  const double prime_vertical = e.a / w;
  return std::hypot(meridian * d_lat, prime_vertical * std::cos(lat) * d_lon);
}

double wrapped(double d_lon) {  // a step across the antimeridian is short
  while (d_lon > pi) d_lon -= 2 * pi;
  while (d_lon < -pi) d_lon += 2 * pi;
  return d_lon;
}

}  // namespace

std::optional<std::vector<GroundPixel>> ground_pixels(const raster::SceneInfo& info,
                                                      const std::vector<std::array<double, 2>>& at) {
  if (!info.geotransform || info.crs_wkt.empty()) return std::nullopt;
  OGRSpatialReference srs;
  if (srs.importFromWkt(info.crs_wkt.c_str()) != OGRERR_NONE) return std::nullopt;
  if (!srs.IsProjected() && !srs.IsGeographic()) return std::nullopt;  // a local (engineering) CRS
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);              // as a geotransform runs: x east (longitude)
  OGRSpatialReference geographic;
  if (geographic.CopyGeogCSFrom(&srs) != OGRERR_NONE) return std::nullopt;
  geographic.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRErr error = OGRERR_NONE;
  const double a = geographic.GetSemiMajor(&error);
  if (error != OGRERR_NONE || !(a > 0)) return std::nullopt;
  const double inverse_flattening = geographic.GetInvFlattening();
  const double f = inverse_flattening > 0 ? 1 / inverse_flattening : 0;  // 0: a sphere
  const Ellipsoid e{a, f * (2 - f)};
  const double radians = geographic.GetAngularUnits();  // per unit of the geographic CRS (degrees, grads)
  const std::unique_ptr<OGRCoordinateTransformation> to_geographic(
      OGRCreateCoordinateTransformation(&srs, &geographic));
  if (!to_geographic) return std::nullopt;

  // Each position's pixel as four edge midpoints: west, east, north, south (a centred difference).
  std::vector<double> xs, ys;
  for (const auto& [x, y] : at) {
    for (const auto& [dx, dy] : {std::array{-0.5, 0.0}, {0.5, 0.0}, {0.0, -0.5}, {0.0, 0.5}}) {
      const auto map = info.geotransform->apply(x + dx, y + dy);
      xs.push_back(map[0]);
      ys.push_back(map[1]);
    }
  }
  std::vector<int> ok(xs.size(), 0);
  if (!to_geographic->Transform(static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr, ok.data()))
    return std::nullopt;
  std::vector<GroundPixel> out;
  for (std::size_t i = 0; i < xs.size(); i += 4) {
    for (std::size_t k = i; k < i + 4; ++k) {
      if (!ok[k] || !std::isfinite(xs[k]) || !std::isfinite(ys[k])) return std::nullopt;
    }
    const auto length = [&](std::size_t from, std::size_t to) {
      const double lat = (ys[from] + ys[to]) / 2 * radians;
      return step_metres(e, lat, (ys[to] - ys[from]) * radians, wrapped((xs[to] - xs[from]) * radians));
    };
    out.push_back({length(i, i + 1), length(i + 2, i + 3)});
  }
  return out;
}

}  // namespace swath::detect
