// The steps every enqueue planner shares (fleet/plan.cpp, fleet/manifest_queuer.cpp): inputs expanded or taken as
// the workers spell them, the options checked, tasks made with deterministic ids and their job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "fleet/plan.hpp"
#include "queue/task.hpp"

namespace swath::fleet {

// A path or a glob as the resolved paths it names (a /vsi path as it is); throws UsageError when nothing matches.
std::vector<std::string> expand(const std::string& pattern);

// --worker-paths: a path is kept as given, so it must already be in the one spelling enqueue would make.
std::string worker_path(const std::string& path, const std::string& what);

// The id of the job of tasks with `task_options`: their options but the slice's.
std::string job_of(const PlanOptions& options, const core::Json& task_options);

// `job`: the id of the options all tasks of one input share (computed once: a manifest makes millions of tasks).
queue::Task make_task(const PlanOptions& options, std::vector<std::string> inputs, core::Json task_options,
                      std::int64_t now_ms, const std::string& job);

// A scene's share of tile work (a shard) checked by its worker against the scene as `fingerprint` found it here:
// shards that run on either side of a rewrite would mix two scenes' tiles in one output. Not part of the task's
// identity (set after its id), so the same work enqueued again with --force takes the scene's new fingerprint
// under the same ids, and its manifests replace the earlier run's.
void expect_scene(queue::Task& task, const std::string& fingerprint);

// A tile plan whose options say grid xyz.
bool is_pyramid_plan(const PlanOptions& options);

// Ctrl-C (or SIGTERM) while an enqueue plans: core::Interrupted (exit 130), before anything is queued.
void stop_if_asked();

// The options checked, with the output spelt one way.
PlanOptions checked_plan(const PlanOptions& given);

}  // namespace swath::fleet
