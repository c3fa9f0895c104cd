// `swath enqueue --kind tile|detect`: every planned task checked before anything is queued, and given its claims.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "queue/task.hpp"

namespace swath::fleet {

// Checks the planned tile and detect tasks as a worker would (tile_task_options, detect_task_options) and as far
// as the local files allow cheaply: local scenes are opened (header only, once each) and checked for their
// bands, grid indices and georeferencing — every tile scene; for detect, the first input of each directory
// (a manifest's many tile files share theirs) — and detect's detector is built once per option set (an onnx
// model loaded and checked). Refuses two scenes whose tiles would share a directory, as `swath tile` does.
// Gives each tile task its claims: "<output>/<scene name>" → "tile <scene> <options that shape the tiles>" (the
// scene's directory and the options by reference),
// the same for the shards and manifest batches of one work; two works of these tasks claiming one location are
// refused (queue::plan_claims). Other kinds pass unchecked. Throws UsageError. Without `open_scenes` (enqueue
// --worker-paths: the paths are the workers', a local file there is another) no local file is looked at: no scene,
// no onnx model, no output directory.
void check_tasks(std::vector<queue::Task>& tasks, bool open_scenes = true);

}  // namespace swath::fleet
