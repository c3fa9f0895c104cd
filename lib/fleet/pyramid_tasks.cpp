// Pyramid tasks: their options (the tile and webmap sections a task records), their claim, their staged files.
#include "fleet/pyramid_tasks.hpp"

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "fleet/options.hpp"
#include "tiling/inputs_in_output.hpp"
#include "tiling/other_runs.hpp"

namespace swath::fleet {

namespace fs = std::filesystem;

bool is_pyramid_task(const queue::Task& task) {
  const auto* grid = task.options.find("grid");
  return task.kind == "tile" && grid != nullptr && grid->is_string() && core::to_lower(grid->as_string()) == "xyz";
}

std::int64_t merged_shards(const queue::Task& task) {
  const auto* count = task.options.find("merge_shards");
  return count != nullptr && count->is_int() ? count->as_int() : 0;
}

webmap::PyramidOptions pyramid_task_options(const queue::Task& task, Audience audience) {
  const auto* count = task.options.find("merge_shards");
  if (count != nullptr && (!count->is_int() || count->as_int() < 1)) {
    refuse(audience, "task option 'merge_shards'", "is " + count->dump() + ", not a number of shards",
           "enqueue the pyramid again with --shards N");
  }
  if (webmap::is_archive_path(task.output)) {
    // The shards share a directory; an archive is made from it afterwards, on one machine, in seconds.
    refuse(audience, "--output '" + task.output + "'",
           "a fleet pyramid is written into a directory its shards share, not into a PMTiles archive",
           "pass --output DIR, then `swath tile --grid xyz --merge-shards DIR -o OUT.pmtiles` writes the archive");
  }
  try {
    auto options = webmap::pyramid_options_from(config_from_task(task, "tile"));
    options.tile.scenes = task.inputs;
    options.tile.output_dir = task.output;
    webmap::validate(options);
    // A scene at one of the pyramid's z/x/y paths: the move into place would replace it (a worker writes into
    // staging, so build_pyramid's own check never sees the output).
    tiling::refuse_scenes_in_output(options.tile.scenes, options.tile.output_dir, {}, true, false);
    return options;
  } catch (const core::UsageError& e) {
    refuse(audience, "tile", e);
  } catch (const core::DataError& e) {
    refuse(audience, "tile", e);
  }
}

std::int64_t pyramid_shard_count(const queue::Task& task, const webmap::PyramidOptions& options) {
  return options.sharded ? static_cast<std::int64_t>(options.tile.shard.count) : merged_shards(task);
}

std::vector<queue::Claim> pyramid_claims(const queue::Task& task, const webmap::PyramidOptions& options) {
  // Refused: another pyramid (other options or scenes) or chips of a scene named tiles.jsonl in the same place.
  const std::string shape = webmap::output_options_json(options).dump();
  const std::string scenes = core::join(task.inputs, "\n");
  const std::string shape_ref = "#" + core::sha256_hex(shape).substr(0, 16);
  const std::string scenes_ref = "@" + core::sha256_hex(scenes).substr(0, 12);
  // And the same pyramid in another number of shards: the merge takes the shards of one count. A claim of its own,
  // so the first one stays what earlier swaths recorded (the same work enqueued again after an upgrade is the same).
  const std::string shards = std::to_string(pyramid_shard_count(task, options));
  return {
      {task.output + "/tiles.jsonl", "xyz " + scenes_ref + " " + shape_ref, {{scenes_ref, scenes}, {shape_ref, shape}}},
      {task.output + "/tiles.shard-*.jsonl", "xyz in " + shards + " shards", {}}};
}

std::vector<std::string> staged_files(const std::string& staging_dir) {
  std::vector<std::string> tiles, top;
  for (const auto& entry : fs::recursive_directory_iterator(staging_dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), staging_dir).string();
    if (name[0] == '.' || name.find("/.") != std::string::npos) continue;  // a temporary: never an output
    (name.find('/') == std::string::npos ? top : tiles).push_back(name);
  }
  std::sort(tiles.begin(), tiles.end());
  // tiles.geojson, then tiles.jsonl (the run's record), then tilejson.json (what map clients open).
  std::sort(top.begin(), top.end(), [](const std::string& a, const std::string& b) {
    const auto rank = [](const std::string& n) {
      return n == "tilejson.json" ? 2 : n.size() > 6 && n.compare(n.size() - 6, 6, ".jsonl") == 0 ? 1 : 0;
    };
    return std::pair(rank(a), a) < std::pair(rank(b), b);
  });
  tiles.insert(tiles.end(), top.begin(), top.end());
  return tiles;
}

void refuse_other_pyramid_files(const std::string& output_dir, const core::Json& header, std::int64_t shards,
                                Audience audience) {
  const std::string remove =
      "remove what is there, then `swath queue dead retry` this task; or enqueue the work again "
      "with another --output";
  try {
    tiling::OtherRuns::find(output_dir, "tiles.jsonl", header, false);
  } catch (const core::UsageError& e) {
    refuse_tile_set(audience, output_dir, e,
                    "use another --output, or remove what is there first (a pyramid is never overwritten)", remove);
  }
  try {
    tiling::refuse_other_shard_counts(output_dir, "tiles.jsonl", shards, "");
  } catch (const core::UsageError& e) {
    refuse_tile_set(audience, output_dir, e, "enqueue it with the --shards of those files, or remove them first",
                    remove);
  }
}

}  // namespace swath::fleet
