// A tile or detect task's options: the values of its kind's config section (tiling::tile_table,
// detect::detect_table) as the enqueuer resolved them, from which a worker rebuilds the very same options.
#pragma once

#include <array>
#include <string>

#include "config/config.hpp"
#include "core/json.hpp"
#include "queue/task.hpp"

namespace swath::fleet {

// The options that are one task's own slice of a work (a shard, a batch's grid indices or manifest lines): stored
// per task, everything else once per job, and left out when telling works apart.
// merge_shards: a pyramid's merge task (the number of shards it merges); scene_fingerprint: a manifest's tile task
// (the file its tiles were cut from, tiling::TileOptions::scene_fingerprints).
inline constexpr std::array<const char*, 5> slice_keys{"shard", "tiles", "only_indices", "merge_shards",
                                                       "scene_fingerprint"};
bool is_slice_key(const std::string& key);

// Keys a task's options may carry besides its section's config keys (the slice of work, the output name).
bool is_task_key(const std::string& kind, const std::string& key);

// The keys of other sections a tile task records when it builds a pyramid (grid xyz): the webmap section's grid,
// zoom, resampling and tile_size, and run.max_memory (no tile key has these names) → the config key it is read
// back into; "" for any other key.
std::string pyramid_key(const std::string& key);

// The options of a job (its meta's) that apply to its kind and grid, for people: a pyramid's (grid xyz) without
// the tile keys only chips read (tiling::pyramid_reads), any job's without the slice keys (each task's own).
core::Json applicable_options(const std::string& kind, const core::Json& options);

// What `swath enqueue --kind tile|detect` records: every key of the section (its value after defaults, file,
// environment) with `overrides` (the --options object) applied on top. Throws UsageError on an unknown key, and on
// a grid flag the task would ignore (webmap::refuse_other_grid_flags, with the grid of `overrides` counted; any
// web-map flag for a kind other than tile). Other kinds record `overrides` as they are.
// A tile task with grid xyz (webmap.grid, or "grid" in `overrides`) also records the webmap section, the memory
// budget (which sets the blocks, so the shards' split: one for every worker) and its format resolved as
// `swath tile --grid xyz` resolves it (PNG unless set). A detect task's model card is made absolute here, or with
// `worker_paths` kept as spelt and refused unless absolute and normal (fleet::worker_path), wherever it was set.
core::Json task_options(const config::Config& config, const std::string& kind, const core::Json& overrides,
                        bool worker_paths = false);

// A Config at its defaults with the task's section keys applied (their origin "task option KEY"); throws
// DataError when a value is wrong (the task was not made by this version of enqueue): a worker dead-letters it.
config::Config config_from_task(const queue::Task& task, const std::string& section);

}  // namespace swath::fleet
