// build_pyramid: prepare scenes → choose zooms and blocks → pipeline (warp and reduce blocks in parallel, write
// in order) → the zooms above the blocks from their roots → manifest, TileJSON; or all of it into one PMTiles archive.
#include "webmap/pyramid.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "log/context.hpp"
#include "log/logger.hpp"
#include "pipeline/ordered_pipeline.hpp"
#include "provenance/provenance.hpp"
#include "tiling/inputs_in_output.hpp"
#include "tiling/manifest.hpp"
#include "tiling/other_runs.hpp"
#include "tiling/plan.hpp"
#include "webmap/archive_output.hpp"
#include "webmap/block.hpp"
#include "webmap/reuse.hpp"
#include "webmap/run_setup.hpp"
#include "webmap/shards.hpp"
#include "webmap/tile_order.hpp"
#include "webmap/tilejson.hpp"
#include "webmap/upper_levels.hpp"

namespace swath::webmap {

namespace {

// The merged pyramid's manifest and index (tilejson.json goes for every run), before a shard's first tile.
void retire_merged_pyramid(const tiling::TileOptions& tile) {
  for (const auto& name : {tile.manifest_name, tile.index_name}) {
    core::remove_file_if_present(tile.output_dir + "/" + name,
                                 "this shard replaces tiles it lists: check the output directory's permissions");
  }
}

struct BlockJob {
  TileKey root;
  log::Context log_context;
};

struct WrittenTile {
  TileKey key;
  std::string sha256;
  std::uint64_t bytes = 0;
  bool reused = false;  // kept from a previous run
  std::string encoded;  // for an archive: the bytes, added in the sink
};

struct BlockOutcome {
  bool cancelled = false;
  bool reused = false;
  std::vector<WrittenTile> tiles;
  std::vector<TileKey> blank;
  cv::Mat root_pixels;
  TileKey root;
  std::int64_t pixels = 0;
  std::string error;  // the block failed (its scene's pixels): every tile of it is recorded failed
};

// The block's tiles and blank tiles each in the manifest's order (tile_order.hpp), which no block size changes.
void in_manifest_order(BlockOutcome& out) {
  std::sort(out.tiles.begin(), out.tiles.end(),
            [](const WrittenTile& a, const WrittenTile& b) { return postorder_before(a.key, b.key); });
  std::sort(out.blank.begin(), out.blank.end(), postorder_before);
}

}  // namespace

tiling::TileReport build_pyramid(const PyramidOptions& options, pipeline::ProgressSink* progress) {
  validate(options);
  tiling::refuse_scenes_in_output(options.tile.scenes, options.tile.output_dir, {}, true, options.tile.overwrite);
  const auto logger = log::get("tile");
  const auto start = std::chrono::steady_clock::now();
  const core::Json output_options = output_options_json(options);
  const core::Json record = provenance::provenance_json(provenance::hash_options(output_options));
  const auto scenes = prepare_scenes(options);
  const PyramidLayout layout = make_layout(options, scenes);
  auto roots = subtree_roots(layout.ranges, layout.zooms, layout.root_zoom);
  core::Json header = header_json(options, layout, record);

  tiling::TileReport report;
  report.planned = count_in_range(layout, layout.zooms.min);
  // A shard takes its subtrees at the split zoom and builds down to it; the merge makes the zooms above.
  PyramidLayout upper_layout = layout;
  std::string manifest_name = options.tile.manifest_name;
  std::string index_name = options.tile.index_name;
  if (options.sharded) {
    auto scope = shard_scope(layout, options.tile.shard);
    roots = std::move(scope.roots);
    report.planned = scope.planned;
    upper_layout.zooms.min = scope.split;
    header.set("shard", shard_json(layout, options.tile.shard, scope.split));
    manifest_name = pyramid_shard_file(manifest_name, options.tile.shard);
    index_name = pyramid_shard_file(index_name, options.tile.shard);
  }
  for (const auto& scene : scenes)
    report.warnings.insert(report.warnings.end(), scene.warnings.begin(), scene.warnings.end());
  if (options.check_output) options.check_output(header);
  const bool to_archive = !options.archive.empty();
  const std::string& output = to_archive ? options.archive : options.tile.output_dir;
  std::optional<tiling::PreviousRun> previous;
  std::optional<tiling::ManifestWriter> manifest;
  std::optional<pmtiles::ArchiveWriter> archive;
  if (to_archive) {
    prepare_archive_folder(options.archive);
    archive.emplace(options.archive);
  } else {
    // Before anything is written: a pyramid of other options or scenes there is refused (its tiles would mix), and
    // the shards of another count. Under the directory's lock until this run's journal is down (tiling::tile_scenes).
    const core::DirectoryLock lock(options.tile.output_dir);
    for (const auto& name : {options.tile.manifest_name, manifest_name})  // a shard removes the merged manifest
      tiling::refuse_foreign_manifest(options.tile.output_dir, name);
    tiling::OtherRuns::find(options.tile.output_dir, options.tile.manifest_name, header, false);
    if (options.sharded) {
      tiling::refuse_other_shard_counts(options.tile.output_dir, options.tile.manifest_name,
                                        static_cast<std::int64_t>(options.tile.shard.count),
                                        "run every shard with one count (the merge takes one), or choose another -o");
    }
    core::remove_stale_temporaries(options.tile.output_dir);
    remove_stale_tile_temporaries(options.tile.output_dir, layout);
    if (options.tile.resume) {
      previous = tiling::PreviousRun::load(options.tile.output_dir, manifest_name, header);
      logger->info("resume: {} tile record(s) from the previous run to check", previous->size());
    }
    manifest.emplace(options.tile.output_dir, manifest_name, index_name, header, options.tile.resume,
                     options.tile.format);
    // A shard replaces tiles the merged manifest lists too: that manifest, its index and tilejson.json go with the
    // shard's own, until the merge is run again.
    if (options.sharded) retire_merged_pyramid(options.tile);
    remove_tilejson(options.tile.output_dir);
  }
  logger->info("pyramid of {} scene(s), zooms {}-{}, {} block(s) of base tiles rooted at zoom {}, in '{}'",
               scenes.size(), layout.zooms.min, layout.zooms.max, roots.size(), layout.root_zoom, output);

  const auto& resources = options.tile.resources;
  // A block in flight: its canvas, the scene's grid under it, the halvings and the encoded tiles, about 2.5 canvases.
  const auto side = static_cast<std::size_t>(layout.tile_size << (layout.zooms.max - layout.root_zoom));
  const std::size_t block_bytes = side * side * static_cast<std::size_t>(layout.channels) * 5 / 2 +
                                  extra_grid_bytes(layout.grid_factor, side, layout.channels);
  const pipeline::Limits limits{resources.threads,
                                pipeline::tokens_for_memory(resources.max_memory, block_bytes, resources.threads),
                                options.tile.stop};
  Directories directories(options.tile.output_dir);
  tbb::enumerable_thread_specific<SceneHandles> handles;
  pipeline::Progress shown{0, report.planned, 0, 0, 0, "tiles"};
  if (progress != nullptr) progress->started(shown);

  // Written on the tiling threads through the page cache (atomic, no fsync): measured on this VM's disk, direct
  // writes of a pyramid's many small tiles (tiling::TileWriter's way) waited for the device longer than the whole
  // run's CPU (bench/README.md).
  // An archive's tiles wait in their block's outcome for the one-threaded sink (ArchiveWriter::add).
  const auto submit = [&](const TileKey& key, const tiling::EncodedTile& encoded, std::string sha256) {
    if (to_archive)
      return WrittenTile{key, std::move(sha256), encoded.bytes().size(), false, std::string(encoded.bytes())};
    directories.ensure(key);
    core::write_file_atomic(
        options.tile.output_dir + "/" + tiling::xyz_relative_path({key.z, key.x, key.y}, options.tile.format),
        encoded.bytes(), core::Durability::rename_only);
    return WrittenTile{key, std::move(sha256), encoded.bytes().size(), false, {}};
  };
  // As chips do: a tile whose pixels cannot be made is recorded failed with the reason, the others go on (exit 3),
  // and --resume makes it again (a failed record is never kept).
  const auto record_failed = [&](const TileKey& key, const std::string& error) {
    auto line = record_of(key, "", 0, options, tiling::TileStatus::failed);
    line.error = error;
    if (manifest) manifest->add(line);
    report.add_failure(line.id, error);
  };
  LowestZoom lowest;
  const auto record_tile = [&](WrittenTile& tile) {
    ++(tile.reused ? report.reused : report.written);
    lowest.saw(tile.key.z);
    if (archive) {
      archive->add(tile.key.z, static_cast<std::uint32_t>(tile.key.x), static_cast<std::uint32_t>(tile.key.y),
                   tile.encoded);
      std::string().swap(tile.encoded);
    } else {
      manifest->add(record_of(tile.key, tile.sha256, tile.bytes, options));
    }
    report.bytes += tile.bytes;
  };
  UpperLevels upper(
      upper_layout,
      [&](const TileKey& key, const cv::Mat& pixels) {
        auto encoded = encode(layout, pixels);
        std::string sha = core::sha256_hex(encoded.bytes());
        auto tile = submit(key, encoded, std::move(sha));
        record_tile(tile);
      },
      [&](const TileKey& key) {
        if (manifest) manifest->add(record_of(key, "", 0, options, tiling::TileStatus::blank));
      },
      [&](const TileKey& key, const std::string& error) { record_failed(key, error); });

  std::size_t next = 0;
  const auto source = [&]() -> std::optional<BlockJob> {
    if (next >= roots.size()) return std::nullopt;
    const TileKey root = roots[next++];
    return BlockJob{root, log::current().with({{"tile", root.text()}})};
  };
  const auto work = [&](BlockJob& job) {
    BlockOutcome out;
    out.root = job.root;
    if (options.tile.stop && options.tile.stop()) {
      out.cancelled = true;
      return out;
    }
    if (previous) {
      if (auto kept = reuse_block(layout, options.tile.output_dir, *previous, job.root)) {
        out.reused = true;
        for (const auto* r : kept->written)
          out.tiles.push_back({{r->xyz->z, r->xyz->x, r->xyz->y}, r->sha256, r->bytes, true, {}});
        out.blank = std::move(kept->blank);
        out.root_pixels = std::move(kept->root_pixels);
        in_manifest_order(out);
        return out;
      }
    }
    BuiltBlock block;
    try {
      block = build_block(layout, handles.local(), job.root);
    } catch (const core::DataError& e) {  // this block's pixels: record its tiles and go on; output errors stop
      // A scene replaced mid-run fails every block after it: one error for the run, not a warning per block.
      for (const auto& scene : scenes) tiling::refuse_changed_since(scene.path, scene.stamp, options.tile.report_files);
      out.error = core::describe(e);
      log::ContextGuard guard(job.log_context);
      logger->warn("block failed: {}", out.error);
      return out;
    }
    out.pixels = block.pixels;
    out.root_pixels = std::move(block.root_pixels);
    out.blank = std::move(block.empty);
    for (auto& tile : block.tiles) out.tiles.push_back(submit(tile.key, tile.encoded, std::move(tile.sha256)));
    in_manifest_order(out);
    return out;
  };
  bool abandoned = false;
  const auto sink = [&](BlockOutcome& out) {
    if (out.cancelled) {
      abandoned = true;
      return;
    }
    if (!out.error.empty()) {
      // An archive has no place for a failed tile, and one without them would look complete: the run stops.
      if (archive)
        throw core::DataError("archive '" + options.archive + "'", "block " + out.root.text() + " failed: " + out.error,
                              "write a directory (-o DIR) to keep the other tiles and record the failed ones");
      for (const auto& key : tiles_in_range(layout, out.root)) record_failed(key, out.error);
      upper.fail(out.root, out.error);
    }
    // Written and blank tiles interleaved, each list already in the manifest's order.
    std::size_t next_blank = 0;
    const auto blanks_before = [&](const TileKey* key) {
      for (; next_blank < out.blank.size() && (key == nullptr || postorder_before(out.blank[next_blank], *key));
           ++next_blank) {
        if (manifest) manifest->add(record_of(out.blank[next_blank], "", 0, options, tiling::TileStatus::blank));
      }
    };
    for (auto& tile : out.tiles) {
      blanks_before(&tile.key);
      record_tile(tile);
    }
    blanks_before(nullptr);
    report.pixels += out.pixels;
    if (out.error.empty()) upper.add(out.root, out.root_pixels);  // empty: no data, its parent may have none either
    shown.done = report.written + report.reused + report.failed;
    shown.failed = report.failed;
    shown.pixels = report.pixels;
    shown.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (progress != nullptr) progress->advanced(shown);
  };
  bool finished = false;
  try {
    finished = pipeline::run_ordered(limits, source, work, sink);
    if (finished && !abandoned) upper.finish();
  } catch (...) {
    if (progress != nullptr) progress->finished(shown);
    throw;
  }
  if (!finished || abandoned) {
    if (progress != nullptr) progress->finished(shown);
    throw core::Interrupted("tiling interrupted", to_archive || options.tile.report_files
                                                      ? ""
                                                      : "the same command with --resume keeps the tiles made");
  }
  for (const auto& scene : scenes) tiling::refuse_changed_since(scene.path, scene.stamp, options.tile.report_files);
  if (archive) {
    if (archive->tiles() == 0) {
      throw core::DataError(
          "archive '" + options.archive + "'",
          "no tile of zooms " + std::to_string(layout.zooms.min) + "-" + std::to_string(layout.zooms.max) + " has data",
          "check the scenes and --zoom");
    }
    archive->finish(archive_info(options, layout, header, lowest.or_else(layout.zooms.min)));
    report.manifest_path = options.archive;
  } else {
    manifest->commit();
    if (!options.sharded) write_tilejson_if_any(options, layout, lowest, report.failed, report.warnings);
    report.manifest_path = manifest->manifest_path();
    report.index_path = manifest->index_path();
  }
  report.blank = report.planned - report.written - report.reused - report.failed;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  shown.done = report.planned;
  shown.seconds = report.seconds;
  if (progress != nullptr) progress->finished(shown);
  logger->info("{} tile(s) written, {} in range without data, {} failed, in {:.1f} s", report.written, report.blank,
               report.failed, report.seconds);
  tiling::refuse_if_nothing_made(report, report.written + report.reused, !options.tile.report_files);
  return report;
}

}  // namespace swath::webmap
