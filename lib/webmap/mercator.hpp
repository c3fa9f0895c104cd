// The EPSG:3857 XYZ (slippy-map) grid: pure arithmetic, the same formulas as gdal2tiles' GlobalMercator, so the
// same scene bounds and resolution give gdal2tiles' zoom range and tile set. No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.hpp"

namespace swath::webmap {

inline constexpr int max_zoom = 24;
// Half the world's width in metres (π × 6378137): the grid spans ±this on both axes.
inline constexpr double origin_shift = 20037508.342789244;
// The latitude at which WebMercator's square world ends (atan(sinh(π)) in degrees).
inline constexpr double max_latitude = 85.0511287798066;

struct TileKey {
  int z = 0;
  std::int64_t x = 0;  // column, from the west
  std::int64_t y = 0;  // row, from the north (XYZ; TMS counts from the south)
  bool operator==(const TileKey&) const = default;
  auto operator<=>(const TileKey&) const = default;
  TileKey parent() const { return {z - 1, x >> 1, y >> 1}; }
  std::string text() const;  // "z/x/y"
};

// An inclusive range of tiles at one zoom.
struct TileRange {
  int z = 0;
  std::int64_t min_x = 0, min_y = 0, max_x = -1, max_y = -1;
  bool empty() const { return max_x < min_x || max_y < min_y; }
  std::int64_t count() const { return empty() ? 0 : (max_x - min_x + 1) * (max_y - min_y + 1); }
  bool contains(const TileKey& t) const {
    return t.z == z && t.x >= min_x && t.x <= max_x && t.y >= min_y && t.y <= max_y;
  }
};

// Metres per pixel at `zoom` for tiles of `tile_size` pixels (at the equator).
double resolution(int zoom, int tile_size);

// gdal2tiles' ZoomForPixelSize: the highest zoom whose resolution is not finer than `pixel_size` (never upsample).
int zoom_for_pixel_size(double pixel_size, int tile_size);

// Longitude/latitude (degrees) ↔ EPSG:3857 metres; latitudes are clamped to ±max_latitude.
core::Bounds lonlat_to_meters(const core::Bounds& lonlat);
core::Bounds meters_to_lonlat(const core::Bounds& meters);

// Bounds clipped to the square world; nullopt when nothing is left.
std::optional<core::Bounds> clip_to_world(const core::Bounds& meters);

// A scene's warped extent runs east past the world's edge (x beyond +origin_shift) when the scene lies across the
// antimeridian: warped in one piece, not around the whole world. Its parts inside the world, each with the `shift`
// that takes world x to the extent's (x + shift): 0, or the world's width for the part east of ±180°.
struct WorldPart {
  core::Bounds meters;
  double shift = 0;
};
std::vector<WorldPart> world_parts(const core::Bounds& extent);

// The tiles covering `meters` at `zoom`, by gdal2tiles' MetersToTile (ceil(pixel / tile_size) - 1 at both
// corners), cropped to the world, converted to XYZ rows.
TileRange tiles_covering(const core::Bounds& meters, int zoom, int tile_size);

// A tile's extent in metres.
core::Bounds tile_bounds(const TileKey& tile, int tile_size);

struct ZoomRange {
  int min = 0;
  int max = 0;
};

// gdal2tiles' default zooms for a scene warped to EPSG:3857 with square `pixel_size` metres and `width` × `height`
// pixels: min where the scene fits one tile, max the closest level not finer than its pixels.
ZoomRange default_zooms(double pixel_size, std::int64_t width, std::int64_t height, int tile_size);

// "MIN-MAX" or "Z"; throws UsageError naming `source` when not numbers, inverted, or beyond 0..max_zoom.
ZoomRange parse_zoom(const std::string& text, const std::string& source);

// The subtrees a pyramid from `zooms.min` to `zooms.max` is cut into: the tiles at `root_zoom` that fall in one of
// `ranges` (one per scene at root_zoom), depth-first from each covered tile at zooms.min, children in the order
// NW, NE, SW, SE. A tile's parent at every zoom is complete once a tile of another parent follows it.
std::vector<TileKey> subtree_roots(const std::vector<std::vector<TileRange>>& ranges_per_scene, ZoomRange zooms,
                                   int root_zoom);

}  // namespace swath::webmap
