// One mapping from configuration to the tile and detect options, shared by the local commands and the fleet:
// a task records its section's values, and a worker rebuilds the very same options from them.
#pragma once

#include <string>

#include "config/config.hpp"
#include "core/json.hpp"
#include "detect/run.hpp"
#include "queue/task.hpp"
#include "tiling/options.hpp"

namespace swath::fleet {

// The config's tile.* / run.* values as `swath tile` reads them (scenes, output, resume left to the caller).
tiling::TileOptions tile_options_from(const config::Config& config);

// The config's detect.* / run.* values as `swath detect` reads them (inputs, output left to the caller).
detect::DetectOptions detect_options_from(const config::Config& config);

// Keys a task's options may carry besides its section's config keys (the slice of work, the output name).
bool is_task_key(const std::string& kind, const std::string& key);

// What `swath enqueue --kind tile|detect` records: every key of the section (its value after defaults, file,
// environment) with `overrides` (the --options object) applied on top. Throws UsageError on an unknown key.
core::Json task_options(const config::Config& config, const std::string& kind, const core::Json& overrides);

// A Config at its defaults with the task's section keys applied; throws DataError when a value is wrong
// (the task was not made by this version of enqueue): a worker dead-letters it.
config::Config config_from_task(const queue::Task& task, const std::string& section);

}  // namespace swath::fleet
