// Where a tile lies on Earth: bounds in the scene's CRS and in WGS84, from the scene's geotransform.
#pragma once

#include <ogr_spatialref.h>

#include <memory>
#include <optional>

#include "core/geo.hpp"
#include "raster/scene.hpp"

namespace swath::tiling {

// Not thread-safe (one OGRCoordinateTransformation): used from the pipeline's serial sink.
class SceneGeoref {
 public:
  explicit SceneGeoref(const raster::SceneInfo& info);

  bool has_wgs84() const { return to_wgs84_ != nullptr; }
  // The geotransform of a tile whose top-left pixel is the window's.
  std::optional<core::GeoTransform> tile_transform(const core::Window& window) const;
  std::optional<core::Bounds> crs_bounds(const core::Window& window) const;
  // Longitude/latitude bounds of the window (edges densified, so curved edges are covered).
  std::optional<core::Bounds> wgs84_bounds(const core::Window& window) const;

 private:
  std::optional<core::GeoTransform> transform_;
  std::unique_ptr<OGRCoordinateTransformation> to_wgs84_;
  bool projected_ = false;  // a pole is a point of the map (polar stereographic), not a line (lon/lat)
};

}  // namespace swath::tiling
