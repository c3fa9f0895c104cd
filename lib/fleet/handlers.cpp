// TileHandler and DetectHandler: task → options (the one config mapping) → tile_scenes / detect_scenes.
#include "fleet/handlers.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "detect/model_card.hpp"
#include "detect/run.hpp"
#include "fleet/earlier_tiles.hpp"
#include "fleet/pyramid_tasks.hpp"
#include "fleet/task_check.hpp"
#include "raster/scene.hpp"
#include "tiling/other_runs.hpp"
#include "tiling/plan.hpp"
#include "tiling/tile.hpp"
#include "webmap/merge.hpp"
#include "webmap/pyramid.hpp"
#include "webmap/shards.hpp"
#include "worker/done_record.hpp"

namespace swath::fleet {

namespace {

namespace fs = std::filesystem;

// "26 tile(s) failed; A; B; C; and 23 more": the first few reasons, which a dead task keeps in Redis (all of them
// made a 7 KB reason of a 26-tile scene; a big one's would be megabytes). The worker's log has each.
std::string failures_text(std::int64_t count, const std::string& what, const std::vector<std::string>& failures) {
  constexpr std::size_t shown = 3;
  std::string why = std::to_string(count) + " " + what + " failed";
  for (std::size_t i = 0; i < failures.size() && i < shown; ++i) why += "; " + failures[i];
  if (failures.size() > shown)
    why += "; and " + std::to_string(failures.size() - shown) + " more (in the worker's log)";
  return why;
}

// A scene that is missing or is not a raster will not become one on retry: dead-letter at once.
// Virtual paths (/vsicurl/, /vsis3/) keep IoError: the network may come back.
void check_scene(const std::string& path) {
  if (core::is_vsi_path(path)) return;
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw core::DataError("cannot open '" + path + "'", "no such file", "check the path the task names");
  if (::access(path.c_str(), R_OK) != 0) return;  // let the open report it (retried: permissions may be fixed)
  try {
    (void)raster::open_scene(path);
  } catch (const core::IoError& e) {
    throw core::DataError(e.subject(), e.why(), e.hint());
  }
}

// The library calls poll `stop` between tiles/windows and throw core::Interrupted; for a task that means its
// lease was lost or shutdown's grace ran out (SIGTERM itself does not stop a task: it has --grace to finish).
// Transient: the task runs again elsewhere (a lost lease's fail is refused anyway, a handed-back one is ready).
// A UsageError from the library (options that do not fit the scene) is the task's fault, worded for a worker.
template <class Call>
auto stoppable(const std::string& kind, Call&& call) {
  try {
    return call();
  } catch (const core::Interrupted&) {
    throw core::IoError("task stopped", "its lease was lost or the shutdown grace ran out",
                        "it runs again, here or elsewhere");
  } catch (const core::UsageError& e) {
    refuse(Audience::worker, kind, e);
  } catch (const core::DataError& e) {
    // "give the range with --scale MIN,MAX": a flag no worker takes, the option an enqueuer sets.
    const std::string option = task_option_named_in(e.hint(), kind);
    if (option.empty()) throw;
    throw core::DataError(e.subject(), e.why(),
                          "enqueue the work again, setting \"" + option + "\" in --options (`swath " + kind +
                              "` would say: " + e.hint() + ")");
  }
}

// A check of the output directory a task's files will be moved into (another tile set there: refuse_other_tile_sets,
// refuse_other_pyramid_files), run once a minute per `key` (the output and the options): it reads every manifest
// there, and a job's thousands of tasks ask it.
class OutputCheck {
 public:
  void operator()(const std::string& key, const std::function<void()>& check) {
    const auto now = std::chrono::steady_clock::now();
    {
      const std::lock_guard lock(mutex_);
      if (const auto found = checked_.find(key); found != checked_.end() && now - found->second < kPeriod) return;
    }
    check();
    const std::lock_guard lock(mutex_);
    std::erase_if(checked_, [&](const auto& entry) { return now - entry.second >= kPeriod; });  // a long-lived worker
    checked_[key] = now;
  }

 private:
  static constexpr std::chrono::seconds kPeriod{60};
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> checked_;
};

// Local runs' scenes in an output, per output and options, read again once a minute: a task checks its own scenes
// against them (a job of one-scene tasks would otherwise list its output once per task).
class LocalRuns {
 public:
  // `again`: read now whatever was read before (a refusal is not made from a minute-old listing: the user may have
  // just removed that manifest, as the hint says, and retried).
  std::shared_ptr<const tiling::ListedByOtherKind> operator()(const std::string& output,
                                                              const tiling::TileOptions& options, bool again = false) {
    const std::string key = output + "\n" + tiling::output_options_json(options).dump();
    const auto now = std::chrono::steady_clock::now();
    if (!again) {
      const std::lock_guard lock(mutex_);
      if (const auto found = read_.find(key); found != read_.end() && now - found->second.first < kPeriod)
        return found->second.second;
    }
    auto listed = std::make_shared<const tiling::ListedByOtherKind>(local_tile_runs(output, options));
    const std::lock_guard lock(mutex_);
    std::erase_if(read_, [&](const auto& entry) { return now - entry.second.first >= kPeriod; });
    read_[key] = {now, listed};
    return listed;
  }

 private:
  static constexpr std::chrono::seconds kPeriod{60};
  std::mutex mutex_;
  std::map<std::string,
           std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<const tiling::ListedByOtherKind>>>
      read_;
};

class TileHandler final : public worker::TaskHandler {
 public:
  explicit TileHandler(Resources resources) : resources_(resources) {}
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task& task, const worker::HandlerContext& context) override {
    if (is_pyramid_task(task)) return run_pyramid(task, context);
    tiling::TileOptions options = tile_task_options(task, Audience::worker);
    for (const auto& input : task.inputs) check_scene(input);
    other_sets_(
        task.output + "\n" + tiling::output_options_json(options).dump() + "\n" + std::to_string(options.shard.count),
        [&] { refuse_other_tile_sets(task.output, options, Audience::worker); });
    // Its scenes listed there by a local run since enqueue.
    const auto names = tiling::scene_names(options.scenes);
    auto local = local_runs_(task.output, options);
    if (local->lists_any(names)) local = local_runs_(task.output, options, true);
    refuse_scenes_tiled_locally(*local, names, task.output, Audience::worker);
    options.output_dir = context.staging_dir;
    options.resources = resources_;
    if (!task.job.empty()) options.header_labels = core::Json::Object{{"job", task.job}, {"task", task.id}};
    options.report_files = true;
    options.manifest_name = manifest_name(task.id);
    options.index_name = index_name(task.id);
    options.stop = context.stop_requested;
    const auto report = stoppable("tile", [&] { return tiling::tile_scenes(options); });
    if (report.failed > 0) {
      // The same tiles fail again on retry (corrupt blocks): dead-letter, naming them.
      throw core::DataError("tiling '" + task.inputs.front() + "'",
                            failures_text(report.failed, "tile(s)", report.failures),
                            "check the scene (gdalinfo -checksum)");
    }
    worker::HandlerResult result;
    for (const auto& file : report.files) {
      result.outputs.push_back(file.path);
      result.hashed[file.path] = {file.path, file.sha256,
                                  file.bytes};  // tiling hashed every tile's bytes as it wrote them
    }
    // With a shard, tiling names them tiles.<task>.shard-I-of-N.*: ask it rather than assume.
    const std::string manifest = tiling::shard_file_name(options.manifest_name, options.shard);
    result.outputs.push_back(manifest);
    result.outputs.push_back(tiling::shard_file_name(options.index_name, options.shard));
    // A run again (--force) keeps no file of the last one its manifest no longer lists, as `swath tile` does.
    result.stale = earlier_tiles_left(task.output, manifest, context.staging_dir + "/" + manifest,
                                      tiling::file_extension(options.format));
    result.stale_guard = manifest;
    return result;
  }

 private:
  // A pyramid's shard (its subtrees, tiles.shard-I-of-N.*) or its merge (the zooms above the split, tiles.jsonl,
  // tilejson.json), byte for byte what `swath tile --grid xyz --shard I/N` and `--merge-shards` write: no task
  // label in the headers, which the merge compares across shards and copies into tiles.jsonl.
  worker::HandlerResult run_pyramid(const queue::Task& task, const worker::HandlerContext& context) {
    webmap::PyramidOptions options = pyramid_task_options(task, Audience::worker);
    for (const auto& input : task.inputs) check_scene(input);
    options.tile.resources.threads = resources_.threads;  // its max_memory is the task's: it sets the shards' split
    options.tile.stop = context.stop_requested;
    if (merged_shards(task) > 0) {
      // The shards' files are in place in the output (the merge was held until they were); it writes beside.
      options.sharded = false;
      stoppable("tile", [&] {
        try {
          return webmap::merge_shards(options, task.output, nullptr, context.staging_dir);
        } catch (const core::UsageError& e) {
          // Shards that disagree ran on other files (a scene rewritten while they ran): not the task's options.
          throw core::DataError(e.subject(), e.why(),
                                "once the job is finished (swath queue jobs), enqueue the same work again with "
                                "--force: every shard runs again on the scenes as they are now");
        }
      });
    } else {
      // What enqueue refused there, made since (or not looked at: --worker-paths); the merge refuses it itself.
      const auto shards = pyramid_shard_count(task, options);
      options.check_output = [&](const core::Json& header) {
        // The scenes too: a pyramid's tile set is its options and its scenes.
        other_sets_(task.output + "\n" + header.at("options").dump() + "\n" + std::to_string(shards) + "\n" +
                        core::join(task.inputs, "\n"),
                    [&] { refuse_other_pyramid_files(task.output, header, shards, Audience::worker); });
      };
      options.tile.output_dir = context.staging_dir;
      options.tile.report_files = true;  // a task's run: its manifest is staged, not kept if it fails
      const auto report = stoppable("tile", [&] { return webmap::build_pyramid(options); });
      if (report.failed > 0) {
        throw core::DataError("tiling '" + task.inputs.front() + "'", std::to_string(report.failed) + " tile(s) failed",
                              "check the scenes (gdalinfo -checksum)");
      }
    }
    worker::HandlerResult result{staged_files(context.staging_dir), std::nullopt};
    if (merged_shards(task) > 0)
      result.stale = earlier_pyramid_tiles(task, {result.outputs.begin(), result.outputs.end()});
    result.stale_guard = "tiles.jsonl";
    return result;
  }

  // The merge's, once every shard is in place: what the last merged tiles.jsonl listed that neither it nor a shard's
  // manifest lists now. Shards remove nothing: a smaller scene moves subtrees between them, so a file one shard's
  // last run listed may be another's, just written.
  static std::map<std::string, std::uint64_t> earlier_pyramid_tiles(const queue::Task& task,
                                                                    std::set<std::string> kept) {
    const auto shards = merged_shards(task);
    for (std::int64_t i = 0; i < shards; ++i) {
      for (const auto& [name, bytes] :
           listed_tiles(task.output, webmap::pyramid_shard_file("tiles.jsonl", {i, shards})))
        kept.insert(name);
    }
    return earlier_tiles_not_kept(task.output, "tiles.jsonl", kept);
  }

  Resources resources_;
  OutputCheck other_sets_;
  LocalRuns local_runs_;
};

class DetectHandler final : public worker::TaskHandler {
 public:
  explicit DetectHandler(Resources resources) : resources_(resources) {}
  bool writes_outputs() const override { return true; }
  // The model card is read like an input, so --allow-root must cover it too.
  std::vector<worker::NamedPath> reads(const queue::Task& task) const override {
    const auto* model = task.options.find("model");
    if (model == nullptr || !model->is_string() || model->as_string().empty()) return {};
    return {{"model", model->as_string()}};
  }
  worker::HandlerResult run(const queue::Task& task, const worker::HandlerContext& context) override {
    detect::DetectOptions options = detect_task_options(task, Audience::worker);
    for (const auto& input : task.inputs) check_scene(input);
    const std::string name = options.output;
    options.output = context.staging_dir + "/" + name;
    options.resources = resources_;
    if (options.detector == "onnx" && !options.onnx.card.empty()) {
      // The card passed --allow-root (reads()); the model file it names must too, before OpenCV opens it.
      context.check_read("model file", detect::load_model_card(options.onnx.card).model);
    }
    options.stop = context.stop_requested;
    // The detections stay byte-identical to `swath detect`'s; the task's done record names the job and hashes them.
    const auto report = stoppable("detect", [&] { return detect::detect_scenes(options); });
    if (!report.failures.empty()) {
      const std::string why =
          failures_text(static_cast<std::int64_t>(report.failures.size()), "window(s)", report.failures);
      // The failures name their scene and window; a task of a manifest's tiles has many inputs.
      const std::string subject = task.inputs.size() == 1
                                      ? "detecting in '" + task.inputs.front() + "'"
                                      : "detecting in " + std::to_string(task.inputs.size()) + " tiles";
      throw core::DataError(subject, why, "check the scene (gdalinfo -checksum)");
    }
    // FlatGeobuf keeps its provenance beside it, as `swath detect` writes it; moved into place first, so the
    // .fgb never appears without it.
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".fgb") == 0)
      return {{name + ".swath.json", name}, std::nullopt};
    return {{name}, std::nullopt};
  }

 private:
  Resources resources_;
};

}  // namespace

std::string manifest_name(const std::string& task_id) { return "tiles." + task_id + ".jsonl"; }
std::string index_name(const std::string& task_id) { return "tiles." + task_id + ".geojson"; }
std::string detections_name(const std::string& task_id, const std::string& format) {
  return "detections." + task_id + "." + format;
}

void add_handlers(worker::HandlerRegistry& registry, Resources resources) {
  registry.add("tile", std::make_shared<TileHandler>(resources));
  registry.add("detect", std::make_shared<DetectHandler>(resources));
}

JobRecords read_job_records(const queue::JobInfo& job) {
  JobRecords out;
  const auto* output = job.meta.find("output");
  out.dir = output != nullptr ? output->as_string() : "";
  out.records = worker::read_records(out.dir, job.id);
  worker::HandlerRegistry handlers = worker::builtin_handlers();
  add_handlers(handlers, Resources{});
  const auto* kind = job.meta.find("kind");
  const auto* handler = handlers.find(kind != nullptr && kind->is_string() ? kind->as_string() : "");
  if (handler != nullptr && handler->writes_outputs()) {
    out.missing = std::max<std::int64_t>(0, job.done - static_cast<std::int64_t>(out.records.size()));
  }
  return out;
}

}  // namespace swath::fleet
