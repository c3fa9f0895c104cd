// `swath tile` as a library call: scenes in, tiles + manifest + index out, a report back.
// The CLI, the fleet worker (a shard or an index list into a staging directory) and tests all call tile_scenes.
//
// Output layout (the same for a whole run and for a fleet task's staging directory):
//   DIR/<scene>/r000012_c000034.<tif|png|jpg|webp>   one file per written tile, <scene> = file stem of the scene
//   DIR/tiles.jsonl      header line (schema, provenance, options, scenes), then one line per tile in grid order;
//                        each scene's description has its file "fingerprint" (content: --resume redoes a scene
//                        rewritten in place) and "padding_nodata": 0 when its padded edge tiles declare nodata 0
//   DIR/tiles.geojson    WGS84 footprints of the written tiles
//   DIR/.tiles.jsonl.journal   only while a run is in progress or after it was killed (read by --resume)
// A run owns DIR's tile set: manifests (or journals) there made with other options make it a UsageError,
// unless options.overwrite, which replaces that run's tiles (tiling/other_runs.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "pipeline/progress.hpp"
#include "tiling/options.hpp"

namespace swath::tiling {

// A tile on disk, with the SHA-256 and size of its bytes (as hashed when encoded, or checked by --resume).
struct TileFile {
  std::string path;  // relative to the output directory
  std::string sha256;
  std::uint64_t bytes = 0;
};

// Seconds per stage of the run, summed over threads (the --json summary's "stages"): where a run's time goes,
// the CPU-bound stages and the waits apart (bench/README.md reads them). Wall time minus CPU time is waiting:
// for a lock, the device, or a core (on a busy machine).
struct StageTime {
  double wall = 0;
  double cpu = 0;
};
struct TileStages {
  StageTime read;           // reading and decoding source blocks (GDAL)
  StageTime encode;         // blank check, scaling, encoding
  StageTime hash;           // SHA-256 of the encoded bytes
  StageTime sink;           // the in-order sink: manifest records, bounds, progress
  StageTime queue_wait;     // tiling threads waiting for room in the write queue
  StageTime write;          // writing tiles into place (create, direct write, close, rename)
  StageTime writer_idle;    // writer threads waiting for a tile
  StageTime drain;          // the end of the run waiting for the last writes
  std::size_t writers = 0;  // writer threads the run started (0: it wrote on its one thread)
};

struct TileReport {
  std::int64_t planned = 0;  // tiles this run was asked for (after shard / index selection)
  std::int64_t written = 0;  // encoded and written by this run
  std::int64_t reused = 0;   // kept from a previous run by --resume (file hash checked)
  std::int64_t blank = 0;    // skipped by --skip-blank
  std::int64_t failed = 0;   // could not be read or encoded (see the manifest's error field)
  std::int64_t removed = 0;  // tiles of a run with other options removed (--overwrite)
  std::uint64_t bytes = 0;   // bytes of the tiles on disk (written + reused)
  std::int64_t pixels = 0;   // scene pixels read by this run
  double seconds = 0;
  TileStages stages;
  std::string manifest_path;
  std::string index_path;
  std::vector<std::string> warnings;
  std::vector<std::string> failures;  // "id: reason", in grid order, the first 100 (the manifest has all)
  std::vector<TileFile> files;        // the tiles on disk, when TileOptions::report_files

  std::int64_t skipped() const { return reused + blank; }
  // One tile failed: counted; the report keeps the first failures, so its size stays bounded (the manifest has all).
  void add_failure(const std::string& id, const std::string& error) {
    ++failed;
    if (failures.size() < 100) failures.push_back(id + ": " + error);
  }
  double megapixels_per_second() const { return seconds > 0 ? static_cast<double>(pixels) / 1e6 / seconds : 0; }
};

// Plans the tiles of every scene, runs the pipeline (read → blank check → scale → encode → atomic write),
// then commits the manifest and the index. Per-tile read/encode failures are reported, not thrown.
// Throws UsageError / IoError / DataError before any tile when the options or a scene are wrong, IoError
// when the output cannot be written (full, read-only), core::Interrupted when cancelled (no partial tile left;
// the journal stays for --resume).
TileReport tile_scenes(const TileOptions& options, pipeline::ProgressSink* progress = nullptr);

// A run that failed some tiles and made none (`made`: the tiles it wrote, kept or found blank) is a failure, not a
// partial success: throws DataError naming the count, the manifest (it lists why each failed) and the first reason.
// Called once the manifest is committed, so what is on disk is what a partial run leaves.
void refuse_if_nothing_made(const TileReport& report, std::int64_t made, bool manifest_kept = true);

// The --json summary: {"schema":"swath.tile.summary/1", "written", "skipped", "failed", "bytes", "seconds",
// "stages": {"read": {"wall", "cpu"}, ...: seconds summed over threads}, ...}.
core::Json to_json(const TileReport& report);

}  // namespace swath::tiling
