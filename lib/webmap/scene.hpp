// A scene made ready for a web-map pyramid: opened, checked (a CRS, a geotransform, Byte, 1 or 3 bands),
// clipped to WebMercator's world when geographic, and its extent and pixel size once warped to EPSG:3857.
#pragma once

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.hpp"
#include "raster/fingerprint.hpp"
#include "raster/memory_file.hpp"
#include "raster/scene.hpp"
#include "webmap/mercator.hpp"

namespace swath::webmap {

// EPSG:3857 as GDAL knows it (x east, y north), and its WKT: one definition for the warp's target and the test of
// whether a scene is already in it.
OGRSpatialReference mercator_srs();
const std::string& mercator_wkt();

struct PyramidScene {
  std::string path;       // as given
  std::string name;       // file stem, for messages and the manifest header
  std::string open_path;  // `path`, or a /vsimem/ VRT of its part inside ±85.0511° and ±180° (geographic scenes)
  // Owns open_path when it is that VRT: removed from /vsimem/ with the last copy of the scene (the end of the run).
  std::shared_ptr<const raster::MemoryFile> clip;
  raster::SceneInfo info;
  std::optional<std::string> fingerprint;
  std::optional<raster::FileStamp> stamp;  // taken as it was opened: another at the end fails the run
  std::vector<int> data_bands;             // 1 (grey) or 3 (RGB), the alpha band left out
  core::Bounds meters;  // the warped extent in EPSG:3857 within the world, or east past it across ±180° (world_parts)
  double pixel_size = 0;                        // of the warped scene: what gdal2tiles picks its zooms from
  std::array<double, 6> warped_geotransform{};  // the warped scene's grid (gdal2tiles' warped VRT): the first warp's
  std::int64_t warped_width = 0;
  std::int64_t warped_height = 0;
  std::vector<std::string> warnings;

  ZoomRange default_zooms(int tile_size) const {
    return webmap::default_zooms(pixel_size, warped_width, warped_height, tile_size);
  }
};

// Throws IoError (missing, not a raster), DataError (no CRS, no geotransform, rotated, not Byte, not 1 or 3 bands,
// nothing inside WebMercator's world). A geographic scene reaching past ±85.0511° or ±180° is clipped, with a warning.
PyramidScene prepare_scene(const std::string& path, const std::string& name);

// Throws DataError naming both files when two scenes differ in band count or type (one pyramid, one band layout).
void check_same_layout(const std::vector<PyramidScene>& scenes);

// Opens a scene's `open_path` read-only for one thread.
GDALDatasetUniquePtr open_for_warp(const PyramidScene& scene);

}  // namespace swath::webmap
