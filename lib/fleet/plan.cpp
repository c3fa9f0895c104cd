// Planning an enqueue: expand inputs, batch manifests, make tasks with deterministic ids.
#include "fleet/plan.hpp"

#include <glob.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"
#include "fleet/enqueue_check.hpp"
#include "fleet/manifest_batches.hpp"
#include "fleet/options.hpp"
#include "fleet/pyramid_tasks.hpp"
#include "queue/claims.hpp"

namespace swath::fleet {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> expand(const std::string& pattern) {
  if (core::is_vsi_path(pattern)) return {pattern};
  if (pattern.find_first_of("*?[") == std::string::npos) {
    if (!fs::exists(pattern)) {
      throw core::UsageError("input '" + pattern + "' does not exist", "", "check the path, or quote a glob");
    }
    return {core::resolved_path(pattern)};
  }
  glob_t matches{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<std::string> out;
  for (std::size_t i = 0; rc == 0 && i < matches.gl_pathc; ++i) out.push_back(core::resolved_path(matches.gl_pathv[i]));
  ::globfree(&matches);
  if (out.empty()) throw core::UsageError("glob '" + pattern + "' matches no file", "", "check the pattern");
  return out;
}

// --worker-paths: a path is kept as given, so it must already be in the one spelling enqueue would make.
std::string worker_path(const std::string& path, const std::string& what) {
  if (core::is_vsi_path(path)) return path;
  const bool normal = !path.empty() && path[0] == '/' && fs::path(path).lexically_normal().string() == path &&
                      (path.size() == 1 || path.back() != '/');
  if (!normal || path.find_first_of("*?[") != std::string::npos) {
    throw core::UsageError(
        what + " '" + path + "'", "with --worker-paths a path must be absolute and normal, one file or directory",
        "spell it as the workers see it, like /data/scenes/a.tif (no glob, '.', '..' or trailing '/')");
  }
  if (core::is_json_lines_path(path)) {
    throw core::UsageError(what + " '" + path + "'",
                           "a manifest is read by enqueue itself, so its tiles must exist here",
                           "enqueue the manifest where its files are, or give the scenes with --worker-paths");
  }
  return path;
}

std::string job_of(const PlanOptions& options, const core::Json& task_options) {
  core::Json shared = core::Json::object();
  for (const auto& [key, value] : task_options.as_object()) {
    if (!is_slice_key(key)) shared.set(key, value);
  }
  return queue::make_job_id(options.kind, shared, options.output);
}

// `job`: the id of the options all tasks of one input share (computed once: a manifest makes millions of tasks).
queue::Task make_task(const PlanOptions& options, std::vector<std::string> inputs, core::Json task_options,
                      std::int64_t now_ms, const std::string& job) {
  queue::Task task;
  task.kind = options.kind;
  task.inputs = std::move(inputs);
  task.options = std::move(task_options);
  task.output = options.output;  // resolved once by plan_tasks
  task.id = queue::make_task_id(task.kind, task.inputs, task.options, task.output);
  for (const char* key : slice_keys) {
    // An empty shard ("": the whole scene) is no slice: it stays with the job's options, not in every task.
    const auto* value = task.options.find(key);
    if (value != nullptr && !(value->is_string() && value->as_string().empty())) task.slice_keys.emplace_back(key);
  }
  task.job = job;
  task.priority = options.priority;
  task.traceparent = options.trace.child().traceparent();
  task.enqueued_at_ms = now_ms;
  if (options.deadline_seconds) task.deadline_ms = now_ms + *options.deadline_seconds * 1000;
  return task;
}

// K manifest lines become one task: inputs = what the lines' task reads (see manifest_batches). Tile tasks
// carry the lines' grid indices (only_indices), noop/checksum tasks the lines (tiles); detect tasks need only
// the tile files.
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
    } else if (options.kind != "detect") {
      task_options.set("tiles", core::Json(std::move(batch.lines)));
    }
    out.push_back(make_task(options, std::move(batch.inputs), std::move(task_options), now_ms, job));
  }
}

bool is_pyramid_plan(const PlanOptions& options) {
  const auto* grid = options.options.find("grid");
  return options.kind == "tile" && grid != nullptr && *grid == core::Json("xyz");
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

// The options checked, with the output spelt one way.
PlanOptions checked_plan(const PlanOptions& given) {
  PlanOptions options = given;
  options.output = given.worker_paths ? worker_path(given.output, "--output") : core::resolved_path(given.output);
  if (options.inputs.empty())
    throw core::UsageError("no inputs", "", "give scene paths, a glob or a tiles.jsonl manifest");
  if (options.tiles_per_task == 0) throw core::UsageError("--tiles-per-task must be at least 1", "");
  if (options.shards == 0) throw core::UsageError("--shards must be at least 1", "");
  if (is_pyramid_plan(options) && options.shards > max_pyramid_shards) {
    throw core::UsageError("--shards " + std::to_string(options.shards),
                           "a pyramid is split into at most " + std::to_string(max_pyramid_shards) + " shards",
                           "pass --shards " + std::to_string(max_pyramid_shards) + " or fewer");
  }
  if (options.shards > 1 && options.kind != "tile") {
    throw core::UsageError("--shards " + std::to_string(options.shards), "only tile tasks are split into shards",
                           "drop --shards, or use --kind tile");
  }
  return options;
}

// One JSON array of strings, written directly (a manifest makes millions).
std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    core::append_json_string(out, item);
  }
  return out + "]";
}

// A manifest's batches as the queue stores them: an id and a payload each, made from the options they share
// (dumped once) and their slice, never as a Task. Tasks standing for the work go to `checked`.
class ManifestQueuer {
 public:
  ManifestQueuer(const PlanOptions& options, const std::string& path, std::int64_t now_ms, QueuePlan& out,
                 const std::function<void(queue::QueuedTask&&, const queue::Task*)>& add)
      : options_(options), path_(path), now_ms_(now_ms), out_(out), add_(add) {}

  void run() {
    const auto header =
        for_each_batch(path_, options_.kind, options_.tiles_per_task,
                       [&](const core::Json& h, ManifestBatch&& batch) { this->batch(h, std::move(batch)); });
    if (!work_) (void)manifest_task_options(options_.kind, options_.options, options_.given, header, path_);
    // Tile: a task per scene selecting the largest index its batches select (check_scene_fits looks at that).
    for (auto& [scene, largest] : largest_) {
      core::Json options = work_->base;
      options.set("only_indices", core::Json(core::Json::Array{core::Json(largest)}));
      out_.checked.push_back(make_task(options_, {scene}, std::move(options), now_ms_, work_->job));
    }
    if (detect_) out_.checked.push_back(std::move(*detect_));
  }

 private:
  struct Work {
    core::Json base;  // the options every batch has
    std::string job;
    queue::TaskIdMaker ids;
    std::string shard;  // the slice's members the base holds (a shard), before the batch's own
    bool slow;          // the base holds a key a batch sets: each batch made as a Task (make_task's order)
  };

  void batch(const core::Json& header, ManifestBatch&& batch) {
    if (!work_) {
      auto base = manifest_task_options(options_.kind, options_.options, options_.given, header, path_);
      std::string shard;
      if (const auto* value = base.find("shard");
          value != nullptr && !(value->is_string() && value->as_string().empty()))
        shard = "\"shard\":" + value->dump();
      const bool slow = base.find("only_indices") != nullptr || base.find("tiles") != nullptr;
      const std::string job = job_of(options_, base);
      work_.emplace(Work{base, job, queue::TaskIdMaker(options_.kind, base, options_.output), shard, slow});
    }
    auto& work = *work_;
    std::string member;
    if (options_.kind == "tile") {
      std::string list;
      for (const auto index : batch.indices) list += (list.empty() ? "" : ",") + std::to_string(index);
      member = "\"only_indices\":[" + list + "]";
      auto& largest = largest_[batch.inputs.front()];
      largest = std::max(largest, *std::max_element(batch.indices.begin(), batch.indices.end()));
    } else if (options_.kind != "detect") {
      member = "\"tiles\":" + core::Json(std::move(batch.lines)).dump();
    } else {
      if (!detect_) detect_ = make_task(options_, {}, work.base, now_ms_, work.job);
      detect_->inputs.insert(detect_->inputs.end(), batch.inputs.begin(), batch.inputs.end());
    }
    if (work.slow || !first_done_) {
      // The first batch as a Task: the job's meta is its (as make_task and job_meta_json make it).
      core::Json options = work.base;
      if (!member.empty()) {
        const auto colon = member.find(':');
        options.set(member.substr(1, colon - 2), core::Json::parse(std::string_view(member).substr(colon + 1)));
      }
      auto task = make_task(options_, std::move(batch.inputs), std::move(options), now_ms_, work.job);
      first_done_ = true;
      add_(queue::queued(task), &task);
      return;
    }
    const std::string inputs = json_strings(batch.inputs);
    const std::string slice = work.shard.empty() ? member : member.empty() ? work.shard : work.shard + "," + member;
    add_({work.ids.id(inputs, member), slice.empty() ? inputs : inputs + "\t{" + slice + "}", 0, options_.priority},
         nullptr);
  }

  const PlanOptions& options_;
  const std::string& path_;
  std::int64_t now_ms_;
  QueuePlan& out_;
  const std::function<void(queue::QueuedTask&&, const queue::Task*)>& add_;
  std::optional<Work> work_;
  bool first_done_ = false;
  std::map<std::string, std::int64_t> largest_;  // tile: scene → the largest index its batches select
  std::optional<queue::Task> detect_;            // detect: a task with every batch's inputs
};

}  // namespace

QueuePlan plan_queue(const PlanOptions& given, std::int64_t now_ms) {
  const PlanOptions options = checked_plan(given);
  QueuePlan plan;
  std::map<std::string, std::uint32_t> jobs;
  std::unordered_map<std::uint64_t, std::uint32_t> seen;  // an id's first 16 digits → its task (the same work once)
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
    std::uint64_t head = 0;  // ids are hex: their first 16 digits, read without a copy (millions of tasks)
    std::from_chars(queued.id.data(), queued.id.data() + std::min<std::size_t>(queued.id.size(), 16), head, 16);
    const auto [at, fresh] = seen.try_emplace(head, static_cast<std::uint32_t>(plan.queued.tasks.size()));
    if (!fresh && plan.queued.tasks[at->second].id == queued.id) return;
    plan.queued.tasks.push_back(std::move(queued));
  };
  if (is_pyramid_plan(options)) {
    for (auto& task : plan_tasks(options, now_ms)) {
      add(queue::queued(task), &task);
      plan.checked.push_back(std::move(task));
    }
    return plan;
  }
  for (const auto& input : options.inputs) {
    if (options.worker_paths || !core::is_json_lines_path(input)) {
      PlanOptions one = options;
      one.inputs = {input};
      for (auto& task : plan_tasks(one, now_ms)) {
        add(queue::queued(task), &task);
        plan.checked.push_back(std::move(task));
      }
    } else {
      ManifestQueuer(options, input, now_ms, plan, add).run();
    }
  }
  return plan;
}

std::vector<queue::Task> plan_tasks(const PlanOptions& given, std::int64_t now_ms) {
  const PlanOptions options = checked_plan(given);
  std::vector<queue::Task> tasks;
  const std::string job = job_of(options, options.options);
  // A Kubernetes Indexed Job's split, as queued tasks: shard I of N takes every N-th tile from I.
  const auto add_scene = [&](const std::string& path) {
    if (options.shards <= 1) {
      tasks.push_back(make_task(options, {path}, options.options, now_ms, job));
      return;
    }
    for (std::size_t i = 0; i < options.shards; ++i) {
      core::Json sharded = options.options;
      sharded.set("shard", std::to_string(i) + "/" + std::to_string(options.shards));
      tasks.push_back(make_task(options, {path}, std::move(sharded), now_ms, job));
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

queue::EnqueueSummary enqueue(const PlanOptions& plan, const queue::EnqueueOptions& send) {
  queue::Enqueuer enqueuer(send);
  auto planned = plan_queue(plan, enqueuer.server_time_ms());
  check_tasks(planned.checked);
  planned.queued.claims = queue::plan_claims(planned.checked);
  return enqueuer.enqueue(planned.queued);
}

}  // namespace swath::fleet
