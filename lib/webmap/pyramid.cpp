// build_pyramid: prepare scenes → choose zooms and blocks → pipeline (warp and reduce blocks in parallel, write
// in order) → the zooms above the blocks from their roots → manifest, TileJSON; or all of it into one PMTiles archive.
#include "webmap/pyramid.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>

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
#include "tiling/manifest.hpp"
#include "tiling/other_runs.hpp"
#include "tiling/plan.hpp"
#include "webmap/archive_output.hpp"
#include "webmap/block.hpp"
#include "webmap/reuse.hpp"
#include "webmap/tilejson.hpp"
#include "webmap/upper_levels.hpp"

namespace swath::webmap {

namespace {

std::vector<PyramidScene> prepare_scenes(const PyramidOptions& options) {
  const auto names = tiling::scene_names(options.tile.scenes);
  std::vector<PyramidScene> scenes;
  for (std::size_t i = 0; i < options.tile.scenes.size(); ++i) {
    scenes.push_back(prepare_scene(options.tile.scenes[i], names[i]));
    for (const auto& warning : scenes.back().warnings) log::get("tile")->warn("{}", warning);
  }
  check_same_layout(scenes);
  return scenes;
}

ZoomRange choose_zooms(const PyramidOptions& options, const std::vector<PyramidScene>& scenes) {
  if (options.webmap.zoom) return *options.webmap.zoom;
  ZoomRange zooms{max_zoom, 0};
  for (const auto& scene : scenes) {
    const auto z = scene.default_zooms(options.webmap.tile_size);
    zooms.min = std::min(zooms.min, z.min);
    zooms.max = std::max(zooms.max, std::min(z.max, max_zoom));
  }
  zooms.min = std::min(zooms.min, zooms.max);
  return zooms;
}

// Blocks of up to 8×8 base tiles, fewer when one would take more than an eighth of --max-memory. Independent of
// --threads: the blocks decide the warp's chunks, so they must not change with it.
int choose_root_zoom(ZoomRange zooms, int tile_size, int channels, std::size_t max_memory) {
  int depth = std::min(3, zooms.max - zooms.min);
  const auto block_bytes = [&](int d) {
    const auto side = static_cast<std::size_t>(tile_size) << d;
    return side * side * static_cast<std::size_t>(channels) * 3 / 2;  // the canvas and its halvings
  };
  while (depth > 0 && block_bytes(depth) > max_memory / 8) --depth;
  return zooms.max - depth;
}

// Tiles in some scene's range, zoom by zoom (a row's ranges merged), for progress and the report.
std::int64_t count_in_range(const PyramidLayout& layout) {
  std::int64_t total = 0;
  for (int z = layout.zooms.min; z <= layout.zooms.max; ++z) {
    std::set<std::int64_t> rows;
    for (const auto& per_zoom : layout.ranges) {
      const auto& r = per_zoom[static_cast<std::size_t>(z)];
      for (std::int64_t y = r.min_y; y <= r.max_y; ++y) rows.insert(y);
    }
    for (std::int64_t y : rows) {
      std::vector<std::pair<std::int64_t, std::int64_t>> spans;
      for (const auto& per_zoom : layout.ranges) {
        const auto& r = per_zoom[static_cast<std::size_t>(z)];
        if (!r.empty() && y >= r.min_y && y <= r.max_y) spans.emplace_back(r.min_x, r.max_x);
      }
      std::sort(spans.begin(), spans.end());
      std::int64_t covered_to = -1;
      for (const auto& [a, b] : spans) {
        if (b > covered_to) total += b - std::max(a, covered_to + 1) + 1;
        covered_to = std::max(covered_to, b);
      }
    }
  }
  return total;
}

tiling::TileLook tile_look(const PyramidOptions& options, std::size_t data_bands) {
  tiling::TileLook look;
  look.format = options.tile.format;
  look.creation_options = options.tile.creation_options;
  // zlib level 1: a third of level 6's encoding time for a few percent more bytes on imagery (README, bench/README).
  const bool zlevel_given = std::any_of(look.creation_options.begin(), look.creation_options.end(),
                                        [](const std::string& o) { return o.rfind("ZLEVEL=", 0) == 0; });
  if (look.format == tiling::Format::png && !zlevel_given) look.creation_options.push_back("ZLEVEL=1");
  look.scene = {0, 0, options.webmap.tile_size, options.webmap.tile_size};
  look.colors = data_bands == 1 ? std::vector<GDALColorInterp>{GCI_GrayIndex, GCI_AlphaBand}
                                : std::vector<GDALColorInterp>{GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand};
  look.nodata.assign(look.colors.size(), std::nullopt);
  return look;
}

PyramidLayout make_layout(const PyramidOptions& options, const std::vector<PyramidScene>& scenes) {
  PyramidLayout layout;
  layout.scenes = &scenes;
  layout.tile_size = options.webmap.tile_size;
  layout.resampling = options.webmap.resampling;
  layout.zooms = choose_zooms(options, scenes);
  layout.channels = static_cast<int>(scenes.front().data_bands.size()) + 1;
  layout.root_zoom =
      choose_root_zoom(layout.zooms, layout.tile_size, layout.channels, options.tile.resources.max_memory);
  layout.look = tile_look(options, scenes.front().data_bands.size());
  for (const auto& scene : scenes) {
    layout.ranges.emplace_back();
    for (int z = 0; z <= layout.zooms.max; ++z) {
      auto range = z >= layout.zooms.min ? tiles_covering(scene.meters, z, layout.tile_size) : TileRange{z};
      layout.ranges.back().push_back(range);
    }
  }
  return layout;
}

core::Json header_json(const PyramidOptions& options, const PyramidLayout& layout, const core::Json& provenance) {
  core::Json list = core::Json::array();
  for (const auto& scene : *layout.scenes) {
    list.push_back(core::Json::Object{{"name", scene.name},
                                      {"source", scene.path},
                                      {"width", scene.info.width},
                                      {"height", scene.info.height},
                                      {"bands", scene.info.band_count},
                                      {"data_type", GDALGetDataTypeName(scene.info.data_type)},
                                      {"georeferenced", true}});
    if (scene.fingerprint) list.as_array().back().set("fingerprint", *scene.fingerprint);
  }
  core::Json out = output_options_json(options);
  return core::Json::Object{{"schema", "swath.tiles/1"},
                            {"grid", "xyz"},
                            {"provenance", provenance},
                            {"options", std::move(out)},
                            {"zoom", core::Json::Array{layout.zooms.min, layout.zooms.max}},
                            {"scenes", std::move(list)}};
}

// Makes DIR/z/x once per run, from any thread.
class Directories {
 public:
  explicit Directories(std::string root) : root_(std::move(root)) {}
  void ensure(const TileKey& key) {
    const std::string dir = root_ + "/" + std::to_string(key.z) + "/" + std::to_string(key.x);
    std::lock_guard lock(mutex_);
    if (made_.count(dir) != 0) return;
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) throw core::IoError("cannot create '" + dir + "'", error.message(), "check the output directory");
    made_.insert(dir);
  }

 private:
  std::string root_;
  std::mutex mutex_;
  std::set<std::string> made_;
};

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
};

tiling::TileRecord record_of(const TileKey& key, const std::string& sha256, std::uint64_t bytes,
                             const PyramidOptions& options, tiling::TileStatus status = tiling::TileStatus::written) {
  tiling::TileRecord record;
  record.status = status;
  record.xyz = tiling::XyzTile{key.z, key.x, key.y};
  record.id = key.text();
  if (status == tiling::TileStatus::written) record.path = tiling::xyz_relative_path(*record.xyz, options.tile.format);
  record.bounds = tile_bounds(key, options.webmap.tile_size);
  record.bounds_wgs84 = meters_to_lonlat(*record.bounds);
  record.sha256 = sha256;
  record.bytes = bytes;
  return record;
}

}  // namespace

tiling::TileReport build_pyramid(const PyramidOptions& options, pipeline::ProgressSink* progress) {
  validate(options);
  const auto logger = log::get("tile");
  const auto start = std::chrono::steady_clock::now();
  const core::Json output_options = output_options_json(options);
  const core::Json record = provenance::provenance_json(provenance::hash_options(output_options));
  const auto scenes = prepare_scenes(options);
  const PyramidLayout layout = make_layout(options, scenes);
  const auto roots = subtree_roots(layout.ranges, layout.zooms, layout.root_zoom);

  tiling::TileReport report;
  report.planned = count_in_range(layout);
  for (const auto& scene : scenes)
    report.warnings.insert(report.warnings.end(), scene.warnings.begin(), scene.warnings.end());
  const bool to_archive = !options.archive.empty();
  const std::string& output = to_archive ? options.archive : options.tile.output_dir;
  const core::Json header = header_json(options, layout, record);
  std::optional<tiling::PreviousRun> previous;
  std::optional<tiling::ManifestWriter> manifest;
  std::optional<pmtiles::ArchiveWriter> archive;
  if (to_archive) {
    prepare_archive_folder(options.archive);
    archive.emplace(options.archive);
  } else {
    // Before anything is written: a pyramid of other options or scenes there is refused (its tiles would mix).
    tiling::OtherRuns::find(options.tile.output_dir, options.tile.manifest_name, header, false);
    core::ensure_writable_directory(options.tile.output_dir);
    core::remove_stale_temporaries(options.tile.output_dir);
    if (options.tile.resume) {
      previous = tiling::PreviousRun::load(options.tile.output_dir, options.tile.manifest_name, header);
      logger->info("resume: {} tile record(s) from the previous run to check", previous->size());
    }
    manifest.emplace(options.tile.output_dir, options.tile.manifest_name, options.tile.index_name, header,
                     options.tile.resume, options.tile.format);
  }
  logger->info("pyramid of {} scene(s), zooms {}-{}, {} block(s) of base tiles rooted at zoom {}, in '{}'",
               scenes.size(), layout.zooms.min, layout.zooms.max, roots.size(), layout.root_zoom, output);

  const auto& resources = options.tile.resources;
  // A block in flight: its canvas, the scene's grid under it, the halvings and the encoded tiles, about 2.5 canvases.
  const auto side = static_cast<std::size_t>(layout.tile_size << (layout.zooms.max - layout.root_zoom));
  const std::size_t block_bytes = side * side * static_cast<std::size_t>(layout.channels) * 5 / 2;
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
  const auto record_tile = [&](WrittenTile& tile) {
    ++(tile.reused ? report.reused : report.written);
    if (archive) {
      archive->add(tile.key.z, static_cast<std::uint32_t>(tile.key.x), static_cast<std::uint32_t>(tile.key.y),
                   tile.encoded);
      std::string().swap(tile.encoded);
    } else {
      manifest->add(record_of(tile.key, tile.sha256, tile.bytes, options));
    }
    report.bytes += tile.bytes;
  };
  UpperLevels upper(layout, [&](const TileKey& key, const cv::Mat& pixels) {
    auto encoded = encode(layout, pixels);
    std::string sha = core::sha256_hex(encoded.bytes());
    auto tile = submit(key, encoded, std::move(sha));
    record_tile(tile);
  });

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
        return out;
      }
    }
    BuiltBlock block = build_block(layout, handles.local(), job.root);
    out.pixels = block.pixels;
    out.root_pixels = std::move(block.root_pixels);
    out.blank = std::move(block.empty);
    for (auto& tile : block.tiles) out.tiles.push_back(submit(tile.key, tile.encoded, std::move(tile.sha256)));
    return out;
  };
  bool abandoned = false;
  const auto sink = [&](BlockOutcome& out) {
    if (out.cancelled) {
      abandoned = true;
      return;
    }
    for (auto& tile : out.tiles) record_tile(tile);
    if (manifest) {
      for (const auto& key : out.blank) manifest->add(record_of(key, "", 0, options, tiling::TileStatus::blank));
    }
    report.pixels += out.pixels;
    if (!out.root_pixels.empty()) upper.add(out.root, out.root_pixels);
    shown.done = report.written + report.reused;
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
    throw core::Interrupted("tiling interrupted");
  }
  if (archive) {
    if (archive->tiles() == 0) {
      throw core::DataError(
          "archive '" + options.archive + "'",
          "no tile of zooms " + std::to_string(layout.zooms.min) + "-" + std::to_string(layout.zooms.max) + " has data",
          "check the scenes and --zoom");
    }
    archive->finish(archive_info(options, layout, header));
    report.manifest_path = options.archive;
  } else {
    manifest->commit();
    write_tilejson(options, layout);
    report.manifest_path = manifest->manifest_path();
    report.index_path = manifest->index_path();
  }
  report.blank = report.planned - report.written - report.reused;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  shown.done = report.planned;
  shown.seconds = report.seconds;
  if (progress != nullptr) progress->finished(shown);
  logger->info("{} tile(s) written, {} in range without data, in {:.1f} s", report.written, report.blank,
               report.seconds);
  return report;
}

}  // namespace swath::webmap
