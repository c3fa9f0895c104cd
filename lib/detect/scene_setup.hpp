// Per-scene facts detect needs before running: georeferencing checks, pixel size in metres, band names.
#pragma once

#include <gdal_priv.h>

#include <string>

#include "core/geo.hpp"
#include "detect/detector.hpp"
#include "raster/scene.hpp"

namespace swath::detect {

struct PreparedScene {
  raster::SceneInfo info;
  SceneMeasure measure;
  core::GeoTransform to_map;  // pixel → map; identity (x = column, y = row) for pixel coordinates
  std::string crs_wkt;        // "" for pixel coordinates
};

// Throws UsageError when the scene has no CRS or geotransform, DataError when its geotransform is rotated or
// sheared; with `allow_pixel_coords` both write pixel coordinates instead.
PreparedScene prepare_scene(GDALDataset& dataset, const std::string& path, bool allow_pixel_coords);

}  // namespace swath::detect
