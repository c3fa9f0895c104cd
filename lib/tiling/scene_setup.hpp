// One scene made ready for tiling: opened, checked against the options, with everything every tile of it shares.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raster/fingerprint.hpp"
#include "raster/window_reader.hpp"
#include "tiling/encode.hpp"
#include "tiling/georef.hpp"
#include "tiling/grid.hpp"
#include "tiling/options.hpp"
#include "tiling/pixels.hpp"
#include "tiling/tiff/tile_templates.hpp"

namespace swath::tiling {

struct TileScene {
  std::string name;  // directory under the output directory
  std::string path;
  std::optional<std::string> fingerprint;  // raster::scene_fingerprint: --resume redoes a scene rewritten in place
  std::optional<raster::FileStamp> stamp;  // taken as it was opened: another at the end fails the run
  raster::SceneInfo info;
  Grid grid;
  std::unique_ptr<raster::WindowReader> reader{};  // one GDAL handle per thread
  std::unique_ptr<SceneGeoref> georef{};
  std::vector<int> read_bands{};    // output bands, then the alpha band when it is read only for blank detection
  std::size_t output_bands = 0;     // the first this many of read_bands are written
  std::vector<double> fill{};       // per read band, for padding
  raster::NoDataRule blank_rule{};  // per read band
  bool scale = false;               // non-Byte to Byte for PNG/JPEG/WEBP
  std::vector<ByteRange> ranges{};  // per output band, when scaling
  TileLook look{};                  // the same for every tile; each tile adds its TilePlace
  std::unique_ptr<tiff::TileTemplates> templates = std::make_unique<tiff::TileTemplates>();  // encodes the tiles
  std::vector<std::string> warnings{};
  raster::Layout layout = raster::Layout::pixel_interleaved;  // of the read block: as the output file stores it

  std::size_t pixel_bytes_per_tile() const;  // the read block of the largest tile
  std::size_t bytes_per_tile() const;        // the memory one tile in flight holds, roughly
};

// What can be checked of a scene's header and of `options` against it, without reading pixels: north up and on the
// Earth (DataError), its band numbers, the band count the format holds, the listed grid indices (UsageError).
// prepare_scene runs it; so does `swath enqueue` on local scenes, before queueing tile tasks.
void check_scene_fits(const TileOptions& options, const raster::SceneInfo& info);

// Opens `path` and prepares it. Throws IoError (missing, not a raster), UsageError (bands or format that
// cannot fit this scene, a tile larger than --max-memory), DataError (no pixels; a rotated or sheared
// geotransform; --scale auto cannot read the scene; a fingerprint other than `expected_fingerprint`, when given,
// checked before anything else: TileOptions::scene_fingerprints).
TileScene prepare_scene(const std::string& path, const std::string& name, const TileOptions& options,
                        const std::string& provenance, const std::string& expected_fingerprint = "");

}  // namespace swath::tiling
