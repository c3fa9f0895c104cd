// What `swath enqueue --kind tile|detect` adds to the queue's generic planning (the hooks of
// queue::EnqueueOptions): a manifest's grid, and every task checked before anything is queued.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "queue/task.hpp"

namespace swath::fleet {

// The options of the tasks planned from a `swath tile` manifest: for tile tasks, the header's grid (size,
// overlap, edge), so that the lines' indices select the very tiles the manifest lists. `given` is what --options
// set explicitly: a grid value there that differs from the header's is a UsageError naming both. Other kinds,
// and manifests without options in their header, keep `options`.
core::Json manifest_task_options(const std::string& kind, const core::Json& options, const core::Json& given,
                                 const core::Json& header, const std::string& manifest);

// Checks the planned tile and detect tasks as a worker would (tile_task_options, detect_task_options) and as far
// as the local files allow cheaply: local scenes are opened (header only, once each) and checked for their
// bands, grid indices and georeferencing — every tile scene; for detect, the first input of each directory
// (a manifest's many tile files share theirs) — and detect's detector is built once per option set (an onnx
// model loaded and checked). Refuses two scenes whose tiles would share a directory, as `swath tile` does.
// Gives each tile task its claims: "<output>/<scene name>" → "tile <scene> <options that shape the tiles>",
// the same for the shards and manifest batches of one work. Throws UsageError.
void check_tasks(std::vector<queue::Task>& tasks);

}  // namespace swath::fleet
