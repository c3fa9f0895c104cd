// Web-map pyramid tasks (`swath enqueue --kind tile --grid xyz --shards N`): N shard tasks, each `swath tile
// --grid xyz --shard I/N` of all the scenes, and one merge task (`--merge-shards`), held in the queue until every
// shard is committed and in place (docs/queue.md, *Held tasks*).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/task_check.hpp"
#include "queue/task.hpp"
#include "webmap/options.hpp"

namespace swath::fleet {

// A tile task whose options say grid xyz.
bool is_pyramid_task(const queue::Task& task);
// A pyramid's merge task: the number of shards it merges (its merge_shards option), else 0.
std::int64_t merged_shards(const queue::Task& task);

// The shard or merge task's options, its inputs as the scenes and its output as the directory (one ending .pmtiles
// is refused), checked as `swath tile --grid xyz --shard` checks them (webmap::validate: PNG only). Opens no file.
webmap::PyramidOptions pyramid_task_options(const queue::Task& task, Audience audience);

// The number of shards of the pyramid a shard or merge task belongs to.
std::int64_t pyramid_shard_count(const queue::Task& task, const webmap::PyramidOptions& options);

// What a pyramid's tasks claim: its output directory's tiles.jsonl, for the work's options and scenes, and its shard
// manifests, for its shard count.
std::vector<queue::Claim> pyramid_claims(const queue::Task& task, const webmap::PyramidOptions& options);

// What `swath tile --grid xyz` refuses in its output directory, refused at enqueue and again by a shard task's worker
// (refuse_tile_set): another tile set there (tiling::OtherRuns, `header` this pyramid's), or shard manifests of
// another shard count. Reads every manifest there.
void refuse_other_pyramid_files(const std::string& output_dir, const core::Json& header, std::int64_t shards,
                                Audience audience);

// The files under a staging directory as relative paths, tiles first, the top directory's files (manifests,
// TileJSON) last, each group sorted: moved into place in that order, a manifest never precedes its tiles.
std::vector<std::string> staged_files(const std::string& staging_dir);

}  // namespace swath::fleet
