// The merge replays one machine's in-order sink: the blocks in their order, each one's records taken from the
// shards, and the zooms above them opened and closed as UpperLevels does; at and below the split zoom a closing tile
// is the shard's (its record; its pixels decoded from its PNG at the split zoom), above it the merge makes the tile.
#include "webmap/merge.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "log/logger.hpp"
#include "tiling/manifest.hpp"
#include "webmap/archive_output.hpp"
#include "webmap/png_writer.hpp"
#include "webmap/reuse.hpp"
#include "webmap/run_setup.hpp"
#include "webmap/shard_inputs.hpp"
#include "webmap/tile_order.hpp"
#include "webmap/tilejson.hpp"
#include "webmap/upper_levels.hpp"

namespace swath::webmap {

namespace {

// A tile a shard lists is at `path` with the size the shard recorded (its content is checked when it is read).
void check_listed(const std::string& path, const ShardRecord& record) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error || size != record.bytes) {
    throw core::DataError(
        "tile '" + path + "'",
        error ? "a shard lists it but it is not there: " + error.message()
              : "its size is " + std::to_string(size) + " bytes, its shard recorded " + std::to_string(record.bytes),
        "run that tile's shard again (--resume redoes what is missing)");
  }
}

// A split-zoom tile's bytes are what its shard recorded: the merge decodes them into the tiles above the split.
void check_content(const std::string& path, const ShardRecord& record) {
  if (core::sha256_hex(core::read_file(path)) != record.sha256_hex()) {
    throw core::DataError("tile '" + path + "'", "its SHA-256 differs from what its shard recorded",
                          "run that tile's shard again");
  }
}

// Every tile in range at and below the split listed by a shard, every listed tile there with its recorded size, and
// the split zoom's with its recorded bytes: all checked before the first tile above the split is made, since a
// merge that failed part-way left the tiles it had made, listed nowhere.
void check_shard_files(const ShardSet& shards, const std::string& dir, const PyramidLayout& layout, int split,
                       tiling::Format format) {
  std::int64_t listed = 0;
  for (const auto& [key, record] : shards.records) {
    const TileKey tile = unpacked(key);
    if (tile.z >= split && layout.in_range(tile)) ++listed;
    if (!record.written) continue;
    const std::string path = dir + "/" + tiling::xyz_relative_path({tile.z, tile.x, tile.y}, format);
    check_listed(path, record);
    if (tile.z == split) check_content(path, record);
  }
  const std::int64_t in_range = count_in_range(layout, split);
  if (listed != in_range) {
    throw core::DataError("--merge-shards '" + dir + "'",
                          "the shards list " + std::to_string(listed) + " of the " + std::to_string(in_range) +
                              " tiles in range at zooms " + std::to_string(split) + " and below",
                          "the shards were cut otherwise: run them again with the same options");
  }
}

class Merge {
 public:
  Merge(const PyramidOptions& options, const std::string& to, const PyramidLayout& layout, int split,
        const ShardSet& shards, tiling::ManifestWriter& manifest, pmtiles::ArchiveWriter* archive,
        tiling::TileReport& report)
      : options_(options),
        to_(to),
        layout_(layout),
        split_(split),
        shards_(shards),
        manifest_(manifest),
        archive_(archive),
        report_(report),
        directories_(to),
        levels_(layout.zooms.min, layout.root_zoom) {}

  void block(const TileKey& root) {
    for (const TileKey& key : tiles_in_range(layout_, root)) {
      const ShardRecord* record = find(key);
      if (record == nullptr) missing(key);
      if (record->written) {
        take(key, *record);
      } else {
        manifest_.add(record_of(key, "", 0, options_, tiling::TileStatus::blank));
      }
    }
    // Every root, as one machine's sink does: a parent of roots without data is recorded blank.
    const ShardRecord* root_record = find(root);
    const bool root_data = root_record != nullptr && root_record->written;
    add(root, root_data && root.z == split_ ? decode(root, *root_record) : cv::Mat());
  }

  const LowestZoom& lowest() const { return lowest_; }

  void finish() {
    levels_.finish([this](int zoom) { close(zoom); });
  }

 private:
  struct Level {
    bool open = false;
    TileKey key;
    cv::Mat canvas;  // above the split only, from the first child with data
  };

  [[noreturn]] void missing(const TileKey& key) const {
    throw core::DataError("--merge-shards '" + options_.tile.output_dir + "'",
                          "no shard lists tile " + key.text() + ", which is in range",
                          "the shards were cut otherwise: run them again with the same options");
  }

  const ShardRecord* find(const TileKey& key) const {
    const auto it = shards_.records.find(packed(key));
    return it == shards_.records.end() ? nullptr : &it->second;
  }

  std::string path_of(const TileKey& key, bool made = false) const {
    return (made ? to_ : options_.tile.output_dir) + "/" +
           tiling::xyz_relative_path({key.z, key.x, key.y}, options_.tile.format);
  }

  // A shard's tile into the manifest, once its file is checked there with the size the shard recorded.
  void take(const TileKey& key, const ShardRecord& record) {
    check_listed(path_of(key), record);
    manifest_.add(record_of(key, record.sha256_hex(), record.bytes, options_));
    lowest_.saw(key.z);
    if (archive_ != nullptr) to_archive(key, core::read_file(path_of(key)));
    ++report_.reused;
    report_.bytes += record.bytes;
  }

  // A split-zoom tile's pixels, from its PNG once its SHA-256 matches its shard's record.
  cv::Mat decode(const TileKey& key, const ShardRecord& record) const {
    const std::string path = path_of(key);
    check_content(path, record);  // again: checked before the merge began, it may have changed since
    cv::Mat pixels = read_tile_pixels(layout_, path);
    if (pixels.empty()) {
      throw core::DataError("tile '" + path + "'",
                            "it does not decode as a " + std::to_string(layout_.tile_size) + "² tile of " +
                                std::to_string(layout_.channels) + " bands",
                            "run that tile's shard again");
    }
    return pixels;
  }

  void to_archive(const TileKey& key, const std::string& bytes) {
    archive_->add(key.z, static_cast<std::uint32_t>(key.x), static_cast<std::uint32_t>(key.y), bytes);
  }

  void add(const TileKey& child, const cv::Mat& pixels) {
    if (child.z <= layout_.zooms.min) return;
    Level& level = levels_.open(child, [this](int zoom) { close(zoom); });
    // At and below the split the shards' records decide; above it, a child without data leaves its quadrant empty.
    if (child.z - 1 < split_ && !pixels.empty()) paste_into_parent(level.canvas, child, pixels, layout_.tile_size);
    if (completes_parent(layout_, child)) close(child.z - 1);  // as UpperLevels: right after its last child
  }

  void close(int zoom) {
    Level& level = levels_.at(zoom);
    level.open = false;
    if (zoom >= split_) {
      // A shard's tile: it had data exactly when its shard recorded it written; in range, it recorded it either way.
      const ShardRecord* record = find(level.key);
      if (record == nullptr && layout_.in_range(level.key)) missing(level.key);
      if (record == nullptr || !record->written) {
        if (record != nullptr) manifest_.add(record_of(level.key, "", 0, options_, tiling::TileStatus::blank));
        add(level.key, cv::Mat());
        return;
      }
      take(level.key, *record);
      add(level.key, zoom == split_ ? decode(level.key, *record) : cv::Mat());
      return;
    }
    cv::Mat tile;
    if (!level.canvas.empty()) tile = reduce(level.canvas, layout_.resampling);
    level.canvas.release();
    if (tile.empty() || !has_data(tile)) {
      if (layout_.in_range(level.key)) manifest_.add(record_of(level.key, "", 0, options_, tiling::TileStatus::blank));
      add(level.key, cv::Mat());
      return;
    }
    if (layout_.in_range(level.key)) {
      const auto encoded = encode(layout_, tile);
      directories_.ensure(level.key);
      core::write_file_atomic(path_of(level.key, true), encoded.bytes(), core::Durability::rename_only);
      manifest_.add(record_of(level.key, core::sha256_hex(encoded.bytes()), encoded.bytes().size(), options_));
      lowest_.saw(level.key.z);
      if (archive_ != nullptr) to_archive(level.key, std::string(encoded.bytes()));
      ++report_.written;
      report_.bytes += encoded.bytes().size();
    }
    add(level.key, tile);
  }

  const PyramidOptions& options_;
  const std::string& to_;  // where the merge writes: the shards' directory, or a fleet task's staging directory
  const PyramidLayout& layout_;
  int split_;
  const ShardSet& shards_;
  tiling::ManifestWriter& manifest_;
  pmtiles::ArchiveWriter* archive_;  // -o OUT.pmtiles: every tile also goes there
  tiling::TileReport& report_;
  Directories directories_;
  OpenParents<Level> levels_;
  LowestZoom lowest_;
};

// The scenes as the shards' header describes them: names, sources and extents (enough for ranges and TileJSON).
std::vector<PyramidScene> scenes_of(const ShardSet& shards) {
  std::vector<PyramidScene> scenes;
  const auto& listed = shards.header.at("scenes").as_array();
  const auto& meters = shards.shard.at("meters").as_array();
  if (listed.size() != meters.size() || listed.empty()) {
    throw core::DataError("--merge-shards",
                          "the shards' header lists " + std::to_string(listed.size()) + " scene(s) and " +
                              std::to_string(meters.size()) + " extent(s)",
                          "run the shards again with this swath");
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    PyramidScene scene;
    scene.name = listed[i].at("name").as_string();
    scene.path = listed[i].at("source").as_string();
    const auto& m = meters[i].as_array();
    scene.meters = {m.at(0).as_double(), m.at(1).as_double(), m.at(2).as_double(), m.at(3).as_double()};
    scenes.push_back(std::move(scene));
  }
  return scenes;
}

// What shapes the tiles must be what the shards were given; so must the scenes, when the command names them.
void check_options(const PyramidOptions& options, const ShardSet& shards) {
  const core::Json ours = output_options_json(options);
  if (!(ours == shards.header.at("options"))) {
    throw core::UsageError("--merge-shards '" + options.tile.output_dir + "'",
                           "the shards were made with the options " + shards.header.at("options").dump() +
                               ", this command's are " + ours.dump(),
                           "pass the shards' --zoom, --format, --resampling, --tile-size and --co");
  }
  if (options.tile.scenes.empty()) return;
  std::vector<std::string> theirs;
  for (const auto& scene : shards.header.at("scenes").as_array()) theirs.push_back(scene.at("source").as_string());
  if (theirs != options.tile.scenes) {
    throw core::UsageError("--merge-shards '" + options.tile.output_dir + "'",
                           "the shards were made from other scenes (the first: '" + theirs.front() + "')",
                           "name the shards' scenes in their order, or none");
  }
}

}  // namespace

tiling::TileReport merge_shards(const PyramidOptions& given, const std::string& dir, pipeline::ProgressSink* progress,
                                const std::string& write_dir) {
  const auto start = std::chrono::steady_clock::now();
  PyramidOptions options = given;
  options.tile.output_dir = dir;
  const std::string to = write_dir.empty() ? dir : write_dir;
  const ShardSet shards = read_shards(dir);
  check_options(options, shards);
  const auto scenes = scenes_of(shards);
  PyramidLayout layout;
  layout.scenes = &scenes;
  layout.tile_size = options.webmap.tile_size;
  layout.resampling = options.webmap.resampling;
  const auto& zoom = shards.header.at("zoom").as_array();
  layout.zooms = {static_cast<int>(zoom.at(0).as_int()), static_cast<int>(zoom.at(1).as_int())};
  const auto data_bands = static_cast<std::size_t>(shards.shard.at("data_bands").as_int());
  layout.channels = static_cast<int>(data_bands) + 1;
  layout.root_zoom = static_cast<int>(shards.shard.at("root_zoom").as_int());
  const int split = static_cast<int>(shards.shard.at("split_zoom").as_int());
  layout.look = tile_look(options, data_bands);
  layout.png_level = own_png_level(layout.look);
  layout.ranges = scene_ranges(scenes, layout.zooms, layout.tile_size);

  remove_stale_tile_temporaries(to, layout);  // a killed merge's, among the tiles above the split it writes
  check_shard_files(shards, dir, layout, split, options.tile.format);

  tiling::TileReport report;
  report.planned = count_in_range(layout, layout.zooms.min);
  pipeline::Progress shown{0, report.planned, 0, 0, 0, "tiles"};
  if (progress != nullptr) progress->started(shown);
  // The archive first: refused (a path that cannot hold it), it must leave an earlier merge's manifest in place.
  std::optional<pmtiles::ArchiveWriter> archive;
  if (!options.archive.empty()) {
    prepare_archive_folder(options.archive);
    archive.emplace(options.archive);
  }
  tiling::refuse_foreign_manifest(to, options.tile.manifest_name);
  tiling::ManifestWriter manifest(to, options.tile.manifest_name, options.tile.index_name, shards.header, false,
                                  options.tile.format);
  remove_tilejson(to);
  Merge merge(options, to, layout, split, shards, manifest, archive ? &*archive : nullptr, report);
  for (const auto& root : subtree_roots(layout.ranges, layout.zooms, layout.root_zoom)) {
    if (options.tile.stop && options.tile.stop()) {
      if (progress != nullptr) progress->finished(shown);
      throw core::Interrupted("merge interrupted");
    }
    merge.block(root);
  }
  merge.finish();
  const int minzoom = merge.lowest().or_else(layout.zooms.min);
  if (archive) archive->finish(archive_info(options, layout, shards.header, minzoom));
  manifest.commit();
  PyramidOptions written = options;
  written.tile.output_dir = to;
  write_tilejson_if_any(written, layout, merge.lowest(), report.failed, report.warnings);
  report.manifest_path = archive ? options.archive : manifest.manifest_path();
  report.index_path = manifest.index_path();
  report.blank = report.planned - report.written - report.reused;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  shown.done = report.planned;
  shown.seconds = report.seconds;
  if (progress != nullptr) progress->finished(shown);
  log::get("tile")->info("merged {} shard(s): {} tile(s) kept, {} made above zoom {}", shards.count, report.reused,
                         report.written, split);
  return report;
}

}  // namespace swath::webmap
