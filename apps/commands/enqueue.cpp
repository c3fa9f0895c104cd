// `swath enqueue --kind KIND INPUT... --output DIR`: scenes, globs or tiles.jsonl manifests become queued tasks.
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "commands/queue_flags.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "fleet/options.hpp"
#include "fleet/plan.hpp"
#include "log/context.hpp"
#include "webmap/options.hpp"
#include "worker/handler.hpp"

namespace swath::commands {

namespace {

class EnqueueCommand final : public cli::Command {
 public:
  std::string name() const override { return "enqueue"; }
  std::string summary() const override {
    return "Queue tasks in Redis for `swath worker` (deterministic ids: no duplicates)";
  }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    declare_queue_flags(app, flags);
    app.add_option("--kind", kind_, "Task kind: tile, detect, checksum or noop")->required();
    app.add_option("inputs", inputs_, "Scene paths, globs (quoted) or tiles.jsonl manifests")->required();
    app.add_option("--output", output_, "Directory each task commits its outputs into")->required();
    app.add_option("--priority", priority_, "high, normal or low")->capture_default_str();
    app.add_option("--options", options_, "JSON object passed to the task's handler")->capture_default_str();
    app.add_option("--tiles-per-task", tiles_per_task_, "Manifest lines per task")
        ->capture_default_str()
        ->transform(cli::at_least(1));
    app.add_option("--shards", shards_,
                   "Tile tasks per scene (each takes shard I/N of its tiles); with --grid xyz, shard tasks of the "
                   "whole pyramid plus its merge, which runs once they are all done")
        ->capture_default_str()
        ->transform(cli::at_least(1));
    flags.bind(app, webmap::webmap_table().specs());  // --grid xyz and its options, as `swath tile` takes them
    app.add_option("--deadline", deadline_,
                   "Seconds from now after which a task is not started (the job's: a later enqueue into the same job "
                   "sets it, or clears it, for all its unfinished tasks)")
        ->transform(cli::at_least(1, "", 10LL * 366 * 24 * 3600));  // ten years: milliseconds from now fit
    app.add_flag("--force", force_, "Queue again tasks that already finished or died");
    app.add_flag(
        "--reclaim", reclaim_,
        "Take over output locations that other work claimed (its files there are overwritten: remove them first)");
    app.add_flag(
        "--worker-paths", worker_paths_,
        "INPUTs and --output are paths as the workers see them (e.g. /data/... in the pods): not looked up here");
    app.add_flag("--json", json_, "Print the summary as JSON");
  }
  int run(const cli::Invocation& invocation) override {
    queue::EnqueueOptions options;
    const auto queue = queue_settings(invocation.config);
    options.redis = queue.endpoint();
    options.queue = queue.name;
    options.force = force_;
    options.allow_eviction = queue.allow_eviction;
    options.retention_seconds = queue.ttl_hours * 3600;
    options.dead_max = queue.dead_max;
    options.reclaim = reclaim_;
    fleet::PlanOptions plan;
    plan.kind = checked_kind();
    plan.inputs = inputs_;
    plan.output = output_;
    plan.given = parsed_options();
    // tile and detect tasks record their section's every value (defaults, YAML, environment, --options),
    // so the worker runs exactly what `swath tile` / `swath detect` would run here; each task is checked as
    // the worker will check it before anything is queued.
    // With grid xyz (--grid, the config or SWATH_WEBMAP__GRID) tile tasks record the webmap section too: --shards N
    // shard tasks of one pyramid of all the scenes, and its merge (fleet/pyramid_tasks.hpp).
    plan.options = fleet::task_options(invocation.config, plan.kind, plan.given, worker_paths_);
    plan.shards = shards_;
    plan.worker_paths = worker_paths_;
    plan.priority = queue::parse_priority(priority_, "--priority");
    plan.tiles_per_task = tiles_per_task_;
    if (deadline_ > 0) plan.deadline_seconds = deadline_;
    plan.trace = current_trace();
    const auto summary = fleet::enqueue(plan, options);
    cli::emit(
        json_
            ? queue::to_json(summary, options.queue).dump() + "\n"
            : "queued " + std::to_string(summary.enqueued) + " of " + std::to_string(summary.tasks) + " tasks on " +
                  options.queue + " in job " + core::join(summary.jobs, ", ") + " (" +
                  std::to_string(summary.duplicates) + " duplicates skipped" +
                  (summary.dead_duplicates > 0
                       ? ", " + std::to_string(summary.dead_duplicates) +
                             " of them dead: `swath queue dead retry ID...` queues them again (ids in `swath queue dead list`); "
                             "those past their job's deadline: --force with a later --deadline"
                       : "") +
                  (summary.not_queued > 0 ? ", " + std::to_string(summary.not_queued) + " not queued" : "") +
                  (summary.unconfirmed > 0 ? ", " + std::to_string(summary.unconfirmed) + " unconfirmed" : "") + ")\n");
    if (!summary.lost_connection.empty()) {
      throw core::IoError("lost the connection to Redis at " + options.redis.describe() + " after queuing " +
                              std::to_string(summary.enqueued + summary.duplicates) + " of " +
                              std::to_string(summary.tasks) + " tasks",
                          summary.lost_connection,
                          "run the same command again once Redis is reachable: what is queued is skipped, the rest "
                          "(and the " +
                              std::to_string(summary.unconfirmed) + " sent without a reply) is queued");
    }
    if (summary.interrupted) {
      throw core::Interrupted("interrupted after queuing " + std::to_string(summary.enqueued + summary.duplicates) +
                                  " of " + std::to_string(summary.tasks) + " tasks",
                              "run the same command again: what is queued is skipped, the rest is queued");
    }
    if (summary.not_queued > 0) {
      throw core::IoError(
          "Redis refused " + std::to_string(summary.not_queued) + " of " + std::to_string(summary.tasks) + " tasks",
          summary.refusal,
          summary.refusal.rfind("READONLY", 0) == 0
              ? "that server is a read-only replica: point --redis at the primary, then run the same command again"
              : std::string(summary.refused_busy ? "Redis was running another client's long script; once it has ended"
                                                 : "free memory in Redis or raise its maxmemory, then") +
                    " run the same command again: what is queued is skipped, the rest is queued");
    }
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  std::string checked_kind() const {
    const auto kinds = worker::builtin_handlers().kinds();
    if (std::find(kinds.begin(), kinds.end(), kind_) != kinds.end()) return kind_;
    const auto suggestion = core::closest_match(kind_, kinds);
    throw core::UsageError("--kind", "unknown task kind '" + kind_ + "'",
                           suggestion ? "did you mean '" + *suggestion + "'?" : "use tile, detect, checksum or noop");
  }
  core::Json parsed_options() const {
    core::Json json;
    try {
      json = core::Json::parse(options_);
    } catch (const core::Error& e) {
      throw core::UsageError("--options is not JSON", e.why(), "for example --options '{\"size\":512}'");
    }
    if (!json.is_object()) throw core::UsageError("--options must be a JSON object", "", "for example --options '{}'");
    return json;
  }
  // The runner put the caller's trace (from --traceparent or a new root) in this thread's log context.
  static log::TraceContext current_trace() {
    return log::trace_of(log::current()).value_or(log::TraceContext::new_root());
  }

  std::string kind_, output_, priority_ = "normal", options_ = "{}";
  std::vector<std::string> inputs_;
  std::size_t tiles_per_task_ = 1, shards_ = 1;
  std::int64_t deadline_ = 0;
  bool force_ = false, reclaim_ = false, worker_paths_ = false, json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_enqueue() { return std::make_unique<EnqueueCommand>(); }

}  // namespace swath::commands
