// One function per kind turns a task into the library's options, checked as far as can be done without
// running the work: `swath enqueue` calls them to refuse (exit 2), the worker's handlers to dead-letter, so
// both apply the same rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "detect/run.hpp"
#include "queue/task.hpp"
#include "tiling/listed_elsewhere.hpp"
#include "tiling/options.hpp"

namespace swath::fleet {

// Who reads a refusal, so that its hint can be followed there: the user running `swath enqueue` (who sets
// --options, the config file or SWATH_ variables) or a worker's operator (who has nothing to pass: the work
// must be enqueued again, right).
enum class Audience { enqueue, worker };

// A refusal: UsageError at enqueue (exit 2, with `enqueue_hint`), DataError on a worker (dead-lettered at
// once, with a hint to enqueue the work again).
[[noreturn]] void refuse(Audience audience, const std::string& subject, const std::string& why,
                         const std::string& enqueue_hint);
// A library error about a `kind` task (its options, or how they fit its input) as a refusal: subject and reason
// kept; a hint that names a flag of the local command is replaced by one for the audience.
[[noreturn]] void refuse(Audience audience, const std::string& kind, const core::Error& error);

// Whether `hint` names a flag of a local command ("pass --allow-pixel-coords"), which means nothing to an enqueuer
// or a worker; a command quoted in backticks (`gdalinfo --formats`) is not one.
bool names_local_flag(const std::string& hint);

// The task option (its key in --options) that the first flag of `kind`'s options named in `hint` sets ("scale" for
// "give the range with --scale MIN,MAX"), or "".
std::string task_option_named_in(const std::string& hint, const std::string& kind);

// The tile task's options, its inputs as the scenes and its output as the directory: every value parsed and
// checked (tiling::validate, the listed tile indices) and the directory of each scene's tiles a name a
// worker commits (not hidden). Opens no file.
tiling::TileOptions tile_task_options(const queue::Task& task, Audience audience);
// A tile set found in `output_dir` that `error` (tiling's UsageError) names, refused for `audience`: UsageError at
// enqueue (with `enqueue_hint`), DataError on a worker (the set was made since, or enqueue did not look:
// --worker-paths).
[[noreturn]] void refuse_tile_set(Audience audience, const std::string& output_dir, const core::UsageError& error,
                                  const std::string& enqueue_hint, const std::string& worker_hint);
// A tile set in `output_dir` that `options`' tiles would mix with: chips of other options (tiling::OtherRuns) or
// shard manifests of another count (tiling::refuse_other_shard_counts). Refused at enqueue, and again on the worker
// before it tiles, since a local run may have made one there since. Reads every manifest there.
void refuse_other_tile_sets(const std::string& output_dir, const tiling::TileOptions& options, Audience audience);
// Local `swath tile` runs' manifests in `output_dir` of `options`, and the scenes they list: read once per output
// and options (the directory holds a manifest per fleet task).
tiling::ListedByOtherKind local_tile_runs(const std::string& output_dir, const tiling::TileOptions& options);
// A scene of the task whose tiles a local run there lists already with these options: the fleet's manifests would
// list them again (each kind names its manifests apart, so neither replaces the other's). Refused for `audience`.
void refuse_scenes_tiled_locally(const tiling::ListedByOtherKind& local, const std::vector<std::string>& scene_names,
                                 const std::string& output_dir, Audience audience);
// Only the grid indices the task selects (its only_indices and the indices of its manifest lines), checked.
std::vector<std::int64_t> tile_task_indices(const queue::Task& task, Audience audience);

// The detect task's options, its inputs as given and `output` the file name it writes (detections.<id>.<format>,
// for the caller to put in a directory): every value parsed and checked, output_format and allow_pixel_coords
// too, and a model card named when the detector is onnx. Opens no file (detect_scenes checks the detector and
// the scenes on a worker; fleet::check_tasks at enqueue).
detect::DetectOptions detect_task_options(const queue::Task& task, Audience audience);

}  // namespace swath::fleet
