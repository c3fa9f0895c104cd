// What `swath tile --grid xyz` adds to the tile options: the grid, zooms, resampling and tile size (the `webmap`
// section), declared once.
#pragma once

#include <cstddef>
#include <functional>

#include <cstdint>
#include <optional>
#include <string>

#include "config/option_table.hpp"
#include "tiling/options.hpp"
#include "webmap/mercator.hpp"

namespace swath::webmap {

enum class GridKind { chips, xyz };
enum class Resampling { near, bilinear, cubic, average, mode };

struct WebmapOptions {
  GridKind grid = GridKind::chips;
  std::optional<ZoomRange> zoom;  // absent: gdal2tiles' default for the scenes (default_zooms)
  Resampling resampling = Resampling::average;
  int tile_size = 256;
};

std::string resampling_name(Resampling resampling);

// The webmap section: grid, zoom, resampling, tile_size.
const config::OptionTable<WebmapOptions>& webmap_table();

// A pyramid's whole request: the tile section's options (format, creation options, resume, resources, output)
// with the webmap section's.
struct PyramidOptions {
  tiling::TileOptions tile;
  WebmapOptions webmap;
  std::string archive;   // non-empty: one PMTiles archive at this path instead of tile.output_dir's tree
  bool sharded = false;  // --shard I/N given (even 0/1): tile.shard's subtrees only, a shard manifest, no TileJSON
  // Called with the run's manifest header before anything is written; throws to refuse. A fleet task's output_dir is
  // a staging directory: this looks at the directory its files will be moved into.
  std::function<void(const core::Json& header)> check_output;
};

// More shards than this would mostly cut the pyramid into subtrees smaller than a worker's start-up.
inline constexpr std::size_t max_shards = 1024;

// Whether `-o PATH` names a PMTiles archive (ends in .pmtiles, any case) rather than a directory.
bool is_archive_path(const std::string& path);

// The webmap section of `config`; with --grid xyz, a format left at its default (GTiff) becomes PNG.
PyramidOptions pyramid_options_from(const config::Config& config);

// Checks what needs no file: a web format (PNG, JPEG, WEBP), no chip-only options, a tile size of 256 or 512, no
// --resume into an archive.
// Throws UsageError with a hint.
void validate(const PyramidOptions& options);

// Flags the chosen grid would ignore (--size, --overlap, --edge, --scale, --skip-blank with --grid xyz; --zoom,
// --resampling, --tile-size without it): UsageError naming the flag. A config file's or the environment's values
// are not refused, as one file may serve both grids. `grid_applies` false (a task kind other than tile): any webmap
// flag is refused. `options_grid`: a grid chosen by enqueue's --options ("xyz", "chips"), over the config's.
void refuse_other_grid_flags(const config::Config& config, bool grid_applies = true,
                             const std::string& options_grid = "");

// What shapes the tiles' bytes: hashed into the provenance and the manifest header.
core::Json output_options_json(const PyramidOptions& options);

}  // namespace swath::webmap
