// `swath enqueue`'s planning: scene paths, globs or tiles.jsonl manifests → finished tasks (deterministic ids,
// a child span each, deadlines), checked, for queue::Enqueuer to send. The queue knows tasks, not imagery.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "log/trace_context.hpp"
#include "queue/enqueue.hpp"
#include "queue/task.hpp"

namespace swath::fleet {

struct PlanOptions {
  std::string kind;                           // tile, detect, checksum, noop
  std::vector<std::string> inputs;            // scene paths, globs, or *.jsonl manifests
  std::string output;                         // directory each task commits into
  core::Json options = core::Json::object();  // every task's options (tile/detect: the section as resolved)
  core::Json given = core::Json::object();    // what --options set explicitly (a manifest's grid must agree)
  queue::Priority priority = queue::Priority::normal;
  std::size_t tiles_per_task = 1;  // manifest lines per task (detect: written tiles per task)
  std::size_t shards = 1;          // tasks per scene, each with options.shard = "I/N" (kind tile)
  // Inputs and output are paths as the workers see them (a pod's /data): taken as spelt, not looked up here,
  // and refused unless absolute and normal (no ".", "..", "//" or trailing "/"), or /vsi paths; no globs or manifests.
  bool worker_paths = false;
  std::optional<std::int64_t> deadline_seconds;  // from enqueue time
  log::TraceContext trace;                       // each task gets a child span of it
};

// The tasks, without Redis (pure but for reading manifests and expanding globs): one per input (or per shard of
// it), or per K manifest lines (see fleet/manifest_batches.hpp), the same work named twice once. Tile tasks
// from a manifest take its grid. Paths (inputs, output) are spelt one way (core::resolved_path), so the same work
// named differently gets the same ids. Throws UsageError for an input that matches nothing, a tile-task manifest
// scene that resolves to no file or a --options grid that differs from a manifest's; DataError for a malformed
// manifest line (naming file and line). Opens no scene: check_tasks (fleet/enqueue_check.hpp) does.
std::vector<queue::Task> plan_tasks(const PlanOptions& options, std::int64_t now_ms);

// What `swath enqueue` sends, planned without a Task per manifest batch (a manifest may hold millions of lines).
struct QueuePlan {
  queue::EnqueuePlan queued;  // the tasks plan_tasks plans (the same ids and payloads, in the same order), and jobs
  // Tasks standing for all the work, for check_tasks (which gives them their claims): each task of a scene input;
  // per manifest, for tile one per scene selecting the largest index its batches select, for detect one with
  // every batch's inputs.
  std::vector<queue::Task> checked;
};
QueuePlan plan_queue(const PlanOptions& options, std::int64_t now_ms);

// `swath enqueue`: connects (queue::Enqueuer), plans with Redis' time, checks the tasks as a worker would
// (check_tasks, which also gives them their claims) and sends them: planned by plan_queue.
queue::EnqueueSummary enqueue(const PlanOptions& plan, const queue::EnqueueOptions& send);

}  // namespace swath::fleet
