// WebMercator grid arithmetic, after gdal2tiles' GlobalMercator (osgeo_utils/gdal2tiles.py, GDAL 3.6).
#include "webmap/mercator.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "core/errors.hpp"
#include "tiling/manifest.hpp"

namespace swath::webmap {

namespace {

double lat_to_y(double lat) {
  const double clamped = std::clamp(lat, -max_latitude, max_latitude);
  return std::log(std::tan((90.0 + clamped) * std::numbers::pi / 360.0)) / (std::numbers::pi / 180.0) * origin_shift /
         180.0;
}

double y_to_lat(double y) {
  const double lat = y / origin_shift * 180.0;
  return 180.0 / std::numbers::pi *
         (2.0 * std::atan(std::exp(lat * std::numbers::pi / 180.0)) - std::numbers::pi / 2.0);
}

// gdal2tiles' PixelsToTile over MetersToPixels: the tile whose right/top edge is the first at or past the point.
std::int64_t tile_of(double meters, int zoom, int tile_size) {
  const double pixel = (meters + origin_shift) / resolution(zoom, tile_size);
  return static_cast<std::int64_t>(std::ceil(pixel / tile_size)) - 1;
}

}  // namespace

std::string TileKey::text() const { return tiling::xyz_name({z, x, y}); }

double resolution(int zoom, int tile_size) {
  return 2.0 * std::numbers::pi * 6378137.0 / tile_size / std::ldexp(1.0, zoom);
}

int zoom_for_pixel_size(double pixel_size, int tile_size) {
  constexpr int gdal2tiles_levels = 32;  // gdal2tiles' MAXZOOMLEVEL
  for (int i = 0; i < gdal2tiles_levels; ++i) {
    if (pixel_size > resolution(i, tile_size)) return std::max(0, i - 1);
  }
  return gdal2tiles_levels - 1;
}

core::Bounds lonlat_to_meters(const core::Bounds& b) {
  return {b.min_x * origin_shift / 180.0, lat_to_y(b.min_y), b.max_x * origin_shift / 180.0, lat_to_y(b.max_y)};
}

core::Bounds meters_to_lonlat(const core::Bounds& b) {
  return {b.min_x / origin_shift * 180.0, y_to_lat(b.min_y), b.max_x / origin_shift * 180.0, y_to_lat(b.max_y)};
}

std::optional<core::Bounds> clip_to_world(const core::Bounds& b) {
  const core::Bounds c{std::max(b.min_x, -origin_shift), std::max(b.min_y, -origin_shift),
                       std::min(b.max_x, origin_shift), std::min(b.max_y, origin_shift)};
  if (!(c.min_x < c.max_x && c.min_y < c.max_y)) return std::nullopt;
  return c;
}

std::vector<WorldPart> world_parts(const core::Bounds& e) {
  constexpr double world = 2 * origin_shift;
  constexpr double tolerance = 1e-3;  // a millimetre past the edge is rounding, not a part
  std::vector<WorldPart> parts;
  if (e.min_x < origin_shift - tolerance || e.max_x <= origin_shift + tolerance) {
    parts.push_back({{e.min_x, e.min_y, std::min(e.max_x, origin_shift), e.max_y}, 0});
  }
  if (e.max_x > origin_shift + tolerance) {
    parts.push_back({{std::max(e.min_x, origin_shift) - world, e.min_y, e.max_x - world, e.max_y}, world});
  }
  return parts;
}

TileRange tiles_covering(const core::Bounds& b, int zoom, int tile_size) {
  const std::int64_t last = (std::int64_t{1} << zoom) - 1;
  // TMS rows count from the south; XYZ rows from the north.
  const std::int64_t tms_min_y = std::max<std::int64_t>(0, tile_of(b.min_y, zoom, tile_size));
  const std::int64_t tms_max_y = std::min(last, tile_of(b.max_y, zoom, tile_size));
  TileRange r;
  r.z = zoom;
  r.min_x = std::max<std::int64_t>(0, tile_of(b.min_x, zoom, tile_size));
  r.max_x = std::min(last, tile_of(b.max_x, zoom, tile_size));
  r.min_y = last - tms_max_y;
  r.max_y = last - tms_min_y;
  return r;
}

core::Bounds tile_bounds(const TileKey& t, int tile_size) {
  const double size = resolution(t.z, tile_size) * tile_size;
  const std::int64_t tms_y = (std::int64_t{1} << t.z) - 1 - t.y;
  return {static_cast<double>(t.x) * size - origin_shift, static_cast<double>(tms_y) * size - origin_shift,
          static_cast<double>(t.x + 1) * size - origin_shift, static_cast<double>(tms_y + 1) * size - origin_shift};
}

ZoomRange default_zooms(double pixel_size, std::int64_t width, std::int64_t height, int tile_size) {
  ZoomRange z;
  z.min = zoom_for_pixel_size(pixel_size * static_cast<double>(std::max(width, height)) / tile_size, tile_size);
  z.max = std::max(z.min, zoom_for_pixel_size(pixel_size, tile_size));
  z.min = std::min(z.min, z.max);
  return z;
}

ZoomRange parse_zoom(const std::string& text, const std::string& source) {
  const auto bad = [&](const std::string& why) {
    return core::UsageError(source + ": zoom '" + text + "'", why,
                            "give MIN-MAX or Z with 0 <= MIN <= MAX <= " + std::to_string(max_zoom) + ", e.g. 6-14");
  };
  const auto number = [&](const std::string& part) {
    if (part.empty()) throw bad("it is not a zoom level or a MIN-MAX range");  // "-1", "3-": a side is missing
    if (part.size() > 3 || part.find_first_not_of("0123456789") != std::string::npos) {
      throw bad("'" + part + "' is not a zoom level");
    }
    const int z = std::stoi(part);
    if (z > max_zoom) throw bad("zoom " + part + " is beyond " + std::to_string(max_zoom));
    return z;
  };
  const auto dash = text.find('-');
  if (dash == std::string::npos) {
    const int z = number(text);
    return {z, z};
  }
  const ZoomRange r{number(text.substr(0, dash)), number(text.substr(dash + 1))};
  if (r.max < r.min) throw bad("the range is inverted");
  return r;
}

std::vector<TileKey> subtree_roots(const std::vector<std::vector<TileRange>>& ranges, ZoomRange zooms, int root_zoom) {
  const auto covered = [&](const TileKey& t) {
    return std::any_of(ranges.begin(), ranges.end(), [&](const auto& per_zoom) {
      return static_cast<std::size_t>(t.z) < per_zoom.size() && per_zoom[static_cast<std::size_t>(t.z)].contains(t);
    });
  };
  TileRange top{zooms.min, INT64_MAX, INT64_MAX, -1, -1};
  for (const auto& per_zoom : ranges) {
    if (static_cast<std::size_t>(zooms.min) >= per_zoom.size()) continue;
    const auto& r = per_zoom[static_cast<std::size_t>(zooms.min)];
    if (r.empty()) continue;
    top.min_x = std::min(top.min_x, r.min_x);
    top.min_y = std::min(top.min_y, r.min_y);
    top.max_x = std::max(top.max_x, r.max_x);
    top.max_y = std::max(top.max_y, r.max_y);
  }
  std::vector<TileKey> roots;
  const std::function<void(const TileKey&)> descend = [&](const TileKey& t) {
    if (!covered(t)) return;
    if (t.z == root_zoom) {
      roots.push_back(t);
      return;
    }
    for (std::int64_t dy = 0; dy < 2; ++dy) {
      for (std::int64_t dx = 0; dx < 2; ++dx) descend({t.z + 1, t.x * 2 + dx, t.y * 2 + dy});
    }
  };
  for (std::int64_t y = top.min_y; y <= top.max_y; ++y) {
    for (std::int64_t x = top.min_x; x <= top.max_x; ++x) descend({zooms.min, x, y});
  }
  return roots;
}

}  // namespace swath::webmap
