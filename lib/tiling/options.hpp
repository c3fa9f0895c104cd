// What `swath tile` is asked to do: scenes, grid, output format, selection, resources — and its validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/option_table.hpp"
#include "core/cancel.hpp"
#include "core/json.hpp"
#include "pipeline/resources.hpp"
#include "tiling/grid.hpp"

namespace swath::tiling {

enum class Format { gtiff, cog, png, jpeg, webp };

// How non-Byte samples become Byte for PNG/JPEG/WEBP: the scene's per-band min/max, or one fixed range.
struct Scale {
  bool automatic = true;
  double min = 0;
  double max = 255;
};

struct TileOptions {
  std::vector<std::string> scenes;  // GDAL paths, local or virtual (/vsicurl/, /vsis3/, /vsizip/)
  std::string output_dir;           // one sub-directory per scene, plus the manifest and the index
  GridOptions grid;
  Format format = Format::gtiff;
  std::vector<std::string> creation_options;  // KEY=VALUE, passed to the output driver
  std::vector<int> bands;                     // 1-based, in output order; empty: all
  Scale scale;
  double skip_blank = 1.0;  // skip tiles whose blank (nodata/alpha/padding) fraction is at least this
  Shard shard;
  // Only these grid indices (row-major, per scene), e.g. a fleet task's slice; empty: every index.
  std::vector<std::int64_t> only_indices;
  // Per scene, the raster::scene_fingerprint (or, from an earlier swath, file_fingerprint) its selected tiles were
  // listed for ("" or absent: any): a fleet task from a manifest re-cuts tiles under the manifest's ids, so a scene
  // rewritten since is refused (DataError).
  std::vector<std::string> scene_fingerprints;
  bool resume = false;
  // Replace the tile set of a run with other options in output_dir (refused without it): its tiles this run
  // does not write over are removed once this run's manifest is in place (tiling/other_runs.hpp).
  bool overwrite = false;
  bool report_files = false;  // list every file written in the report (the fleet worker needs them)
  pipeline::Resources resources;
  core::Json header_labels = core::Json::object();  // added to the manifest header: a fleet task's job and task
  std::string manifest_name = "tiles.jsonl";        // with --shard I/N: tiles.shard-I-of-N.jsonl (shard_file_name)
  std::string index_name = "tiles.geojson";
  // Polled before each tile: true abandons the run (tile_scenes throws core::Interrupted, no partial tile).
  // `swath tile` stops on SIGINT/SIGTERM; a fleet worker passes "lease lost or grace over" instead.
  std::function<bool()> stop = core::cancel_requested;
};

// "GTiff", "cog", ... (case-insensitive) → Format; throws UsageError naming `source`.
Format parse_format(const std::string& text, const std::string& source);
std::string format_name(Format format);     // GDAL driver name
std::string file_extension(Format format);  // "tif", "png", "jpg", "webp"
bool format_needs_byte(Format format);      // PNG, JPEG, WEBP

// "auto" or "MIN,MAX" with MIN < MAX; throws UsageError naming `source`.
Scale parse_scale(const std::string& text, const std::string& source);

// "3,2,1" (list items may themselves be lists) → {3,2,1}; throws UsageError on a non-number or a band < 1.
std::vector<int> parse_bands(const std::vector<std::string>& items, const std::string& source);

// The tile section: every option's key, range, help, flag and default (this struct's), declared once.
const config::OptionTable<TileOptions>& tile_table();
// TileOptions from the tile and run sections of `config` (scenes, output and the rest left to the caller).
TileOptions options_from(const config::Config& config);
// Creation options as one run records them: each KEY upper-cased (GDAL reads keys in any case) and the list sorted
// (one key each, so their order changes no byte): --co compress=DEFLATE --co A=1 is --co A=1 --co COMPRESS=DEFLATE.
std::vector<std::string> canonical_creation_options(std::vector<std::string> options);
// Whether a web-map pyramid (webmap.grid xyz) reads this tile key too: format and creation_options (and shard, the
// slice of work); the others (size, overlap, edge, bands, scale, skip_blank) shape chips only.
bool pyramid_reads(const std::string& key);

// Checks everything that needs no file: grid ranges, selected indices, formats, creation options, a scene.
// Throws UsageError with a hint.
void validate(const TileOptions& options);
// validate()'s check of --co alone (also for web maps): KEY=VALUE, known to the format's driver, a key once, no
// sidecar options; UsageError naming the option.
void validate_creation_options(const TileOptions& options);

// The options that shape the tiles' bytes (not scenes, paths, threads, memory, shard or resume):
// its hash goes into every tile's provenance, so a shard's tiles equal the whole run's.
core::Json output_options_json(const TileOptions& options);

}  // namespace swath::tiling
