// Opening a scene with GDAL and describing it: size, bands, type, blocks, georeferencing, nodata.
#pragma once

#include <gdal_priv.h>

#include <optional>
#include <string>
#include <vector>

#include "core/geo.hpp"

namespace swath::raster {

// In a list of bands to read: the scene's mask band (SceneInfo::masked), 0 where the pixel has no data, else 255.
inline constexpr int mask_band = 0;

struct SceneInfo {
  std::string path;
  std::int64_t width = 0;
  std::int64_t height = 0;
  int band_count = 0;
  GDALDataType data_type = GDT_Unknown;  // of band 1
  int block_width = 0;                   // of band 1
  int block_height = 0;
  std::optional<core::GeoTransform> geotransform;  // absent: pixel coordinates only
  std::string crs_wkt;                             // "" when the scene has no CRS
  std::vector<std::optional<double>> nodata;       // per band
  int alpha_band = 0;                              // 1-based band with an alpha/mask role, 0 if none
  // A mask band for all bands (an internal or .msk mask: orthophotos in JPEG keep their footprint there), which
  // WindowReader reads as band `mask_band`; not an alpha band, a nodata value or a per-band mask.
  bool masked = false;
  bool band_masks = false;  // a mask of a band's own (not read: a warning says so)
  int gcp_count = 0;        // ground control points, georeferencing a warp can use
  bool palette = false;     // band 1 holds colour-table indices (a land-cover map)
  // A GeoTIFF whose last block ends past the end of its file: "its last block ends at byte N, the file has M
  // bytes"; "" otherwise. Such a copy often lost its GeoTIFF keys too (they are written late in the file).
  std::string truncated;

  bool georeferenced() const { return geotransform.has_value() && !crs_wkt.empty(); }
  // What georeferenced() lacks: "no CRS", "no geotransform" or "no CRS or geotransform" ("" when nothing).
  std::string missing_georeferencing() const {
    if (georeferenced()) return "";
    if (geotransform) return "no CRS";
    if (gcp_count > 0) return "only ground control points, which `gdalwarp` turns into a georeferenced copy";
    return crs_wkt.empty() ? "no CRS or geotransform" : "no geotransform";
  }
};

// The warning for a scene whose bands have masks of their own (SceneInfo::band_masks): "" when they have none.
std::string band_masks_warning(const SceneInfo& info);

// Opens `path` read-only (local path or GDAL virtual path). Throws IoError naming the path:
// no such file, a FIFO or device (refuse_special_file), or not a raster GDAL can read.
GDALDatasetUniquePtr open_scene(const std::string& path);
// Throws IoError when the local `path` is a FIFO, device or socket: opening a FIFO blocks until a writer comes,
// reading /dev/zero never ends, and GDAL reads a raster by seeking anyway. Directories and missing files pass.
void refuse_special_file(const std::string& path);

SceneInfo describe_scene(GDALDataset& dataset, const std::string& path);

// Throws DataError naming the scene when its pixels are complex (CInt16, CFloat32: SAR single-look complex) and `use`
// (e.g. "detectors") reads real values: the real part alone is not the amplitude. The hint makes an amplitude scene.
void require_real_pixels(const SceneInfo& info, const std::string& use);

// Throws DataError naming the scene when its geotransform places no pixel: a term not finite (NaN), or a pixel
// width or height of 0 (every pixel at one point; a detector sized in metres divided by it).
void require_usable_geotransform(const SceneInfo& info);

// Throws DataError naming the scene when its geotransform is not usable (require_usable_geotransform), or rotates or
// shears the pixel grid (a CRS or not): swath's windows, bounds and footprints are axis-aligned in map coordinates.
// `other_way` adds to the hint.
void require_north_up(const SceneInfo& info, const std::string& other_way = "");

// Throws DataError naming the scene when its CRS is geographic and its rows reach past a pole by more than a pixel
// (latitude 95: a geotransform written wrong); its windows' bounds and detections would be off the Earth.
void require_on_earth(const SceneInfo& info);

// Throws DataError naming the scene when it is truncated (SceneInfo::truncated): what it lacks is not what to
// report, and the remedy is a whole copy.
void require_whole(const SceneInfo& info);

// True for a PNG, JPEG or WebP path: image formats that keep no georeferencing in the file itself, so a tile
// written in one has none when read back (GDAL keeps it only in a sidecar, when at all).
bool keeps_no_georeferencing(const std::string& path);

// Bytes of one pixel of one band of `type`.
int bytes_per_sample(GDALDataType type);

}  // namespace swath::raster
