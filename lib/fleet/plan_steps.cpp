// The steps every enqueue planner shares: expanding inputs, checking options, making tasks.
#include "fleet/plan_steps.hpp"

#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"
#include "fleet/options.hpp"
#include "fleet/pyramid_tasks.hpp"
#include "tiling/grid.hpp"
#include "webmap/options.hpp"

namespace swath::fleet {

namespace fs = std::filesystem;

std::vector<std::string> expand(const std::string& pattern) {
  if (core::is_vsi_path(pattern)) return {pattern};
  if (pattern.find_first_of("*?[") == std::string::npos) {
    std::error_code ec;
    if (!fs::exists(pattern, ec)) {  // a loop of links is an error code here, not a filesystem_error
      if (fs::is_symlink(fs::symlink_status(pattern, ec))) {
        throw core::UsageError("input '" + pattern + "'",
                               "a symbolic link to no file (its target is missing, or loops)",
                               "check where the link points (ls -l)");
      }
      throw core::UsageError("input '" + pattern + "'", "it does not exist", "check the path, or quote a glob");
    }
    return {core::resolved_path(pattern)};
  }
  glob_t matches{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<std::string> out;
  for (std::size_t i = 0; rc == 0 && i < matches.gl_pathc; ++i) out.push_back(core::resolved_path(matches.gl_pathv[i]));
  ::globfree(&matches);
  if (out.empty()) throw core::UsageError("glob '" + pattern + "'", "matches no file", "check the pattern");
  return out;
}

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

void expect_scene(queue::Task& task, const std::string& fingerprint) {
  task.options.set("scene_fingerprint", fingerprint);
  task.slice_keys.emplace_back("scene_fingerprint");
}

bool is_pyramid_plan(const PlanOptions& options) {
  const auto* grid = options.options.find("grid");
  return options.kind == "tile" && grid != nullptr && *grid == core::Json("xyz");
}

PlanOptions checked_plan(const PlanOptions& given) {
  // Every kind: a task without an output is malformed to every worker (dead at once, for detect, noop, checksum).
  if (given.output.empty()) {
    throw core::UsageError("--output ''", "every task writes into an output directory",
                           "name one, e.g. --output /data/out");
  }
  PlanOptions options = given;
  options.output = given.worker_paths ? worker_path(given.output, "--output") : core::resolved_path(given.output);
  if (options.inputs.empty())
    throw core::UsageError("no inputs", "", "give scene paths, a glob or a tiles.jsonl manifest");
  if (options.tiles_per_task == 0)
    throw core::UsageError("--tiles-per-task 0", "a task holds at least one manifest line",
                           "pass --tiles-per-task 1 or more (default 1)");
  // Checked on the inputs as given: with --worker-paths a manifest is refused by name (worker_path).
  if (options.tiles_per_task > 1 &&
      std::none_of(options.inputs.begin(), options.inputs.end(), core::is_json_lines_path)) {
    throw core::UsageError("--tiles-per-task " + std::to_string(options.tiles_per_task),
                           "it batches the lines of a tiles.jsonl manifest, and no input is one (a scene is one "
                           "task, or --shards N tasks)",
                           "leave --tiles-per-task out, or give a manifest");
  }
  if (options.shards > 1 && std::any_of(options.inputs.begin(), options.inputs.end(), core::is_json_lines_path)) {
    throw core::UsageError("--shards " + std::to_string(options.shards),
                           "it splits scenes; a tiles.jsonl is queued by its lines",
                           "leave --shards out for a manifest (--tiles-per-task K sets its lines per task)");
  }
  if (options.shards == 0)
    throw core::UsageError("--shards 0", "a scene is split into at least one shard",
                           "pass --shards 1 or more (default 1)");
  if (is_pyramid_plan(options) && options.shards > webmap::max_shards) {
    throw core::UsageError("--shards " + std::to_string(options.shards),
                           "a pyramid is split into at most " + std::to_string(webmap::max_shards) + " shards",
                           "pass --shards " + std::to_string(webmap::max_shards) + " or fewer");
  }
  if (options.shards > static_cast<std::size_t>(tiling::max_shards)) {  // as `swath tile --shard` refuses N
    throw core::UsageError("--shards " + std::to_string(options.shards),
                           "a scene is split into at most " + std::to_string(tiling::max_shards) + " shards",
                           "pass --shards " + std::to_string(tiling::max_shards) + " or fewer");
  }
  if (options.shards > 1 && options.kind != "tile") {
    throw core::UsageError("--shards " + std::to_string(options.shards), "only tile tasks are split into shards",
                           "drop --shards, or use --kind tile");
  }
  // Every worker would fail to make its staging directory there, retrying until the task is dead.
  // The first that exists of it and its parents must be a directory (out/sub under a file out is as bad).
  if (!given.worker_paths && !core::is_vsi_path(options.output)) {
    std::error_code error;
    for (auto at = std::filesystem::path(options.output); !at.empty(); at = at.parent_path()) {
      if (!std::filesystem::exists(at, error)) {
        if (at == at.parent_path()) break;
        continue;
      }
      if (!std::filesystem::is_directory(at, error)) {
        throw core::UsageError("--output '" + given.output + "'",
                               at == std::filesystem::path(options.output)
                                   ? "a file, not a directory"
                                   : "'" + at.string() + "' is a file, not a directory",
                               "name a directory (new or existing) for the outputs");
      }
      break;
    }
  }
  return options;
}

void stop_if_asked() {
  if (core::cancel_requested())
    throw core::Interrupted("planning interrupted", "nothing was queued: run the same command again");
}

}  // namespace swath::fleet
