// `swath enqueue` as a library call: inputs (paths, globs or a tiles.jsonl manifest) → task envelopes → Redis.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "log/trace_context.hpp"
#include "queue/redis_url.hpp"
#include "queue/task.hpp"

namespace swath::queue {

struct EnqueueOptions {
  RedisEndpoint redis;
  std::string queue;
  std::string kind;                 // tile, detect, checksum, noop
  std::vector<std::string> inputs;  // scene paths, globs, or *.jsonl manifests
  std::string output;               // directory each task commits into
  core::Json options = core::Json::object();  // passed to the task's handler
  Priority priority = Priority::normal;
  bool force = false;               // re-run tasks already done or dead
  bool allow_eviction = false;      // accept a Redis that may evict keys (refused otherwise)
  bool reclaim = false;             // take over output locations other work claimed (see Claim)
  // Inputs and output are paths as the workers see them (a pod's /data): taken as spelt, not looked up here,
  // and refused unless absolute and normal (no ".", "..", "//" or trailing "/"), or /vsi paths; no globs or manifests.
  bool worker_paths = false;
  std::size_t tiles_per_task = 1;   // manifest lines per task (detect: written tiles per task)
  std::size_t shards = 1;           // tasks per scene, each with options.shard = "I/N" (kind tile)
  std::size_t batch = 500;          // tasks per script call
  std::optional<std::int64_t> deadline_seconds;  // from enqueue time
  log::TraceContext trace;          // each task gets a child span of it
  // Kind-specific planning (lib/fleet supplies it for tile and detect; the queue knows tasks, not imagery):
  // the options of the tasks planned from a manifest, given the enqueue's options, the manifest's header
  // line (null when it has none) and its path; may throw UsageError.
  std::function<core::Json(const core::Json& options, const core::Json& header, const std::string& manifest)> manifest_options;
  // Sees every planned task before any is sent (their ids made): checks them, may set their claims, and
  // throws UsageError to refuse the enqueue.
  std::function<void(std::vector<Task>& tasks)> check;
};

struct EnqueueSummary {
  std::int64_t tasks = 0;
  std::int64_t enqueued = 0;
  std::int64_t duplicates = 0;
  std::int64_t not_queued = 0;  // Redis refused them (out of memory): the same enqueue again queues them
  std::string refusal;          // Redis' reason
  core::Json json(const std::string& queue) const;
};

// Plans the tasks without Redis (pure but for reading manifests and expanding globs, and what `check` does);
// throws UsageError for an input that matches nothing, a tile-task manifest scene that resolves to no file,
// a task `check` refuses or two tasks claiming one location for different work; DataError for a malformed
// manifest line (naming file and line). Manifests: see queue/manifest_batches.hpp. Paths (inputs, output)
// are spelt one way (core::resolved_path), so the same work named differently gets the same ids.
std::vector<Task> plan_tasks(const EnqueueOptions& options, std::int64_t now_ms);

// Plans, records the tasks' claims (UsageError naming the earlier work when another work holds one of their
// locations) and sends; throws IoError when Redis is unreachable.
EnqueueSummary enqueue(const EnqueueOptions& options);

}  // namespace swath::queue
