// Planning an enqueue: scenes, shards, pyramids and manifests into tasks; the queue's plan; sending it.
#include "fleet/plan.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <optional>
#include <unordered_set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"
#include "core/text.hpp"
#include "fleet/claim_spelling.hpp"
#include "fleet/enqueue_check.hpp"
#include "fleet/manifest_batches.hpp"
#include "fleet/manifest_queuer.hpp"
#include "fleet/plan_steps.hpp"
#include "queue/claims.hpp"
#include "raster/fingerprint.hpp"

namespace swath::fleet {

namespace {

// K manifest lines become one task: inputs = what the lines' task reads (see manifest_batches). Tile tasks
// carry the lines' grid indices (only_indices), noop/checksum tasks the lines (tiles), detect tasks the lines'
// labels (tiles: {id, scene} per input).
void plan_manifest(const PlanOptions& options, const std::string& path, std::int64_t now_ms,
                   std::vector<queue::Task>& out) {
  auto manifest = read_manifest(path, options.kind, options.tiles_per_task);
  const core::Json base = manifest_task_options(options.kind, options.options, options.given, manifest.header, path);
  const std::string job = job_of(options, base);
  for (auto& batch : manifest.batches) {
    core::Json task_options = base;
    if (options.kind == "tile") {
      // A tile task re-tiles by grid index: the index is all it needs of a line (and all Redis keeps).
      core::Json::Array indices(batch.indices.begin(), batch.indices.end());
      task_options.set("only_indices", core::Json(std::move(indices)));
      if (!batch.fingerprint.empty()) task_options.set("scene_fingerprint", batch.fingerprint);
    } else {
      task_options.set("tiles", core::Json(std::move(batch.lines)));
    }
    out.push_back(make_task(options, std::move(batch.inputs), std::move(task_options), now_ms, job));
    out.back().tiles_per_task = static_cast<std::int64_t>(options.tiles_per_task);  // for its claims
  }
}

// A pyramid of all the scenes: N shard tasks (shard I/N, all scenes each: a shard's subtrees mosaic them all), then
// the merge task, held until every shard is finished (`swath tile --grid xyz --merge-shards` on the output).
std::vector<queue::Task> plan_pyramid(const PlanOptions& options, const std::vector<std::string>& scenes,
                                      std::int64_t now_ms, const std::string& job) {
  std::vector<queue::Task> tasks;
  for (std::size_t i = 0; i < options.shards; ++i) {
    core::Json sharded = options.options;
    sharded.set("shard", std::to_string(i) + "/" + std::to_string(options.shards));
    tasks.push_back(make_task(options, scenes, std::move(sharded), now_ms, job));
  }
  core::Json merge = core::Json::object();
  for (const auto& [key, value] : options.options.as_object()) {
    if (key != "shard") merge.set(key, value);
  }
  merge.set("merge_shards", static_cast<std::int64_t>(options.shards));
  tasks.push_back(make_task(options, scenes, std::move(merge), now_ms, job));
  tasks.back().held = true;
  return tasks;
}

// The same work named twice (a path and a glob, a manifest given twice) is queued once, where it first comes.
// Sorted by their ids' first 16 digits rather than hashed into a map: a node per task was a fifth of planning
// a million-line manifest.
void drop_repeated(std::vector<queue::QueuedTask>& tasks) {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> heads(tasks.size());
  for (std::uint32_t i = 0; i < tasks.size(); ++i) {
    const auto& id = tasks[i].id;  // hex: its first 16 digits read without a copy
    std::from_chars(id.data(), id.data() + std::min<std::size_t>(id.size(), 16), heads[i].first, 16);
    heads[i].second = i;
  }
  std::sort(heads.begin(), heads.end());
  std::vector<bool> repeated(tasks.size());
  bool any = false;
  for (std::size_t a = 0; a < heads.size();) {
    std::size_t b = a + 1;
    while (b < heads.size() && heads[b].first == heads[a].first) ++b;
    for (std::size_t i = a + 1; i < b; ++i) {  // a run shares a head: the later of equal ids go (index order)
      for (std::size_t j = a; j < i && !repeated[heads[i].second]; ++j)
        if (!repeated[heads[j].second] && tasks[heads[j].second].id == tasks[heads[i].second].id)
          repeated[heads[i].second] = any = true;
    }
    a = b;
  }
  if (!any) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (repeated[i]) continue;
    if (kept != i) tasks[kept] = std::move(tasks[i]);  // never onto itself: a string moved onto itself empties
    ++kept;
  }
  tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(kept), tasks.end());
}

}  // namespace

QueuePlan plan_queue(const PlanOptions& given, std::int64_t now_ms) {
  const PlanOptions options = checked_plan(given);
  QueuePlan plan;
  std::map<std::string, std::uint32_t> jobs;
  // A task joins its job (made from `meta`, the first task of the job as a Task, or the manifest's first batch).
  std::uint32_t job = 0;
  const std::function<void(queue::QueuedTask&&, const queue::Task*)> add = [&](queue::QueuedTask&& queued,
                                                                               const queue::Task* task) {
    if (task != nullptr) {
      const auto [it, first] = jobs.try_emplace(task->job, static_cast<std::uint32_t>(plan.queued.jobs.size()));
      if (first) plan.queued.jobs.push_back({task->job, queue::job_meta_json(*task).dump()});
      job = it->second;
    }
    queued.job = job;
    plan.queued.tasks.push_back(std::move(queued));
  };
  if (is_pyramid_plan(options)) {
    for (auto& task : plan_tasks(options, now_ms)) {
      add(queue::queued(task), &task);
      plan.checked.push_back(std::move(task));
    }
    drop_repeated(plan.queued.tasks);
    return plan;
  }
  for (const auto& input : options.inputs) {
    if (options.worker_paths || !core::is_json_lines_path(input)) {
      PlanOptions one = options;
      one.inputs = {input};
      one.tiles_per_task = 1;  // a scene is one task (checked once, for all the inputs)
      for (auto& task : plan_tasks(one, now_ms)) {
        add(queue::queued(task), &task);
        plan.checked.push_back(std::move(task));
      }
    } else {
      queue_manifest(options, input, now_ms, plan, add);
    }
  }
  drop_repeated(plan.queued.tasks);
  return plan;
}

std::vector<queue::Task> plan_tasks(const PlanOptions& given, std::int64_t now_ms) {
  const PlanOptions options = checked_plan(given);
  std::vector<queue::Task> tasks;
  const std::string job = job_of(options, options.options);
  // A Kubernetes Indexed Job's split, as queued tasks: shard I of N takes every N-th tile from I.
  const auto add_scene = [&](const std::string& path) {
    stop_if_asked();  // a glob may match millions of scenes
    if (options.shards <= 1) {
      tasks.push_back(make_task(options, {path}, options.options, now_ms, job));
      return;
    }
    // The workers' scenes are not looked at here (--worker-paths); nor is one that cannot be opened (checked later).
    const auto fingerprint = options.worker_paths ? std::nullopt : raster::scene_fingerprint(path);
    for (std::size_t i = 0; i < options.shards; ++i) {
      core::Json sharded = options.options;
      sharded.set("shard", std::to_string(i) + "/" + std::to_string(options.shards));
      tasks.push_back(make_task(options, {path}, std::move(sharded), now_ms, job));
      if (fingerprint) expect_scene(tasks.back(), *fingerprint);
    }
  };
  if (is_pyramid_plan(options)) {
    std::vector<std::string> scenes;
    for (const auto& input : options.inputs) {
      if (options.worker_paths) {
        scenes.push_back(worker_path(input, "input"));
      } else if (core::is_json_lines_path(input)) {
        throw core::UsageError("input '" + input + "'", "a pyramid is made from scenes, not from a tiles.jsonl",
                               "name the scenes (or a glob of them)");
      } else {
        for (auto& path : expand(input)) scenes.push_back(std::move(path));
      }
    }
    std::unordered_set<std::string> seen;  // the same scene named twice (a path and a glob) is one scene
    scenes.erase(std::remove_if(scenes.begin(), scenes.end(), [&](const auto& s) { return !seen.insert(s).second; }),
                 scenes.end());
    return plan_pyramid(options, scenes, now_ms, job);
  }
  for (const auto& input : options.inputs) {
    if (options.worker_paths) {
      add_scene(worker_path(input, "input"));
    } else if (core::is_json_lines_path(input)) {
      plan_manifest(options, input, now_ms, tasks);
    } else {
      for (const auto& path : expand(input)) add_scene(path);
    }
  }
  // The same input named twice (a path and a glob) is one task.
  std::unordered_set<std::string> seen;
  seen.reserve(tasks.size());
  const auto repeated =
      std::remove_if(tasks.begin(), tasks.end(), [&](const queue::Task& t) { return !seen.insert(t.id).second; });
  tasks.erase(repeated, tasks.end());
  return tasks;
}

namespace {

// Only manifests can plan no task (every input names a scene or a file): exit 0 with 0 tasks read as success.
void refuse_nothing_to_queue(const PlanOptions& options, const queue::EnqueuePlan& plan) {
  if (!plan.tasks.empty()) return;
  const bool detect = options.kind == "detect";
  throw core::UsageError("nothing to queue from '" + core::join(options.inputs, "', '") + "'",
                         detect ? "no tile with a file is listed (blank tiles have none)" : "no line to make a task of",
                         detect ? "detect in the scene itself; if its tiles are blank (nodata or alpha) and you want "
                                  "them looked at anyway, tile again with --skip-blank 0"
                                : "check that the manifest lists tiles");
}

}  // namespace

queue::EnqueueSummary enqueue(const PlanOptions& plan, const queue::EnqueueOptions& send) {
  queue::Enqueuer enqueuer(send);
  auto planned = plan_queue(plan, enqueuer.server_time_ms());
  refuse_nothing_to_queue(plan, planned.queued);
  check_tasks(planned.checked, !plan.worker_paths);
  planned.queued.claims = queue::plan_claims(planned.checked);
  planned.queued.claim_spelling = claim_spelling;
  return enqueuer.enqueue(planned.queued);
}

}  // namespace swath::fleet
