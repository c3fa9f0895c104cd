// TileHandler and DetectHandler: task → options (the one config mapping) → tile_scenes / detect_scenes.
#include "fleet/handlers.hpp"

#include <unistd.h>

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json_lines.hpp"
#include "detect/model_card.hpp"
#include "detect/run.hpp"
#include "fleet/options.hpp"
#include "raster/scene.hpp"
#include "tiling/plan.hpp"
#include "tiling/tile.hpp"

namespace swath::fleet {

namespace {

namespace fs = std::filesystem;

// A scene that is missing or is not a raster will not become one on retry: dead-letter at once.
// Virtual paths (/vsicurl/, /vsis3/) keep IoError: the network may come back.
void check_scene(const std::string& path) {
  if (core::is_vsi_path(path)) return;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw core::DataError("cannot open '" + path + "'", "no such file", "check the path the task names");
  if (::access(path.c_str(), R_OK) != 0) return;  // let the open report it (retried: permissions may be fixed)
  try {
    (void)raster::open_scene(path);
  } catch (const core::IoError& e) {
    throw core::DataError(e.subject(), e.why(), e.hint());
  }
}

std::vector<std::int64_t> selected_indices(const core::Json& options) {
  std::vector<std::int64_t> out;
  if (const auto* list = options.find("only_indices")) {
    if (!list->is_array()) throw core::DataError("task option 'only_indices'", "not a list of tile indices");
    for (const auto& i : list->as_array()) {
      if (!i.is_int() || i.as_int() < 0) throw core::DataError("task option 'only_indices'", "has " + i.dump() + ", not an index");
      out.push_back(i.as_int());
    }
  }
  if (const auto* tiles = options.find("tiles")) {
    // A batch of tiles.jsonl lines: their grid indices (the scene is the task's input).
    if (!tiles->is_array()) throw core::DataError("task option 'tiles'", "not a list of manifest lines");
    for (const auto& t : tiles->as_array()) {
      const auto* index = t.is_object() ? t.find("index") : nullptr;
      if (index == nullptr || !index->is_int()) throw core::DataError("task option 'tiles'", "a line has no integer 'index'");
      out.push_back(index->as_int());
    }
  }
  return out;
}

// The library calls poll `stop` between tiles/windows and throw core::Interrupted; for a task that means its
// lease was lost or shutdown's grace ran out (SIGTERM itself does not stop a task: it has --grace to finish).
// Transient: the task runs again elsewhere (a lost lease's fail is refused anyway, a handed-back one is ready).
template <class Call>
auto stoppable(Call&& call) {
  try {
    return call();
  } catch (const core::Interrupted&) {
    throw core::IoError("task stopped", "its lease was lost or the shutdown grace ran out", "it runs again, here or elsewhere");
  }
}

class TileHandler final : public worker::TaskHandler {
 public:
  explicit TileHandler(Resources resources) : resources_(resources) {}
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task& task, const worker::HandlerContext& context) override {
    for (const auto& input : task.inputs) {
      if (core::is_json_lines_path(input)) {
        throw core::DataError("tile task input '" + input + "'", "a tiles.jsonl manifest names scenes, not their paths",
                              "enqueue the scenes themselves (with --shards N to split them)");
      }
      check_scene(input);
    }
    tiling::TileOptions options = tile_options_from(config_from_task(task, "tile"));
    options.scenes = task.inputs;
    options.output_dir = context.staging_dir;
    options.only_indices = selected_indices(task.options);
    options.threads = resources_.threads;
    options.max_memory = resources_.max_memory;
    options.report_files = true;
    options.manifest_name = manifest_name(task.id);
    options.index_name = index_name(task.id);
    options.stop = context.stop_requested;
    const auto report = stoppable([&] { return tiling::tile_scenes(options); });
    if (report.failed > 0) {
      // The same tiles fail again on retry (corrupt blocks): dead-letter, naming them.
      std::string why = std::to_string(report.failed) + " tile(s) failed";
      for (const auto& f : report.failures) why += "; " + f;
      throw core::DataError("tiling '" + task.inputs.front() + "'", why, "check the scene (gdalinfo -checksum)");
    }
    worker::HandlerResult result;
    for (const auto& file : report.files) {
      result.outputs.push_back(file.path);
      result.hashed[file.path] = {file.path, file.sha256, file.bytes};  // tiling hashed every tile's bytes as it wrote them
    }
    // With a shard, tiling names them tiles.<task>.shard-I-of-N.*: ask it rather than assume.
    result.outputs.push_back(tiling::shard_file_name(options.manifest_name, options.shard));
    result.outputs.push_back(tiling::shard_file_name(options.index_name, options.shard));
    return result;
  }

 private:
  Resources resources_;
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
    for (const auto& input : task.inputs) check_scene(input);
    detect::DetectOptions options = detect_options_from(config_from_task(task, "detect"));
    std::string format = "gpkg";
    if (const auto* f = task.options.find("output_format")) {
      if (!f->is_string() || (f->as_string() != "gpkg" && f->as_string() != "fgb" && f->as_string() != "geojson")) {
        throw core::DataError("task option 'output_format'", f->dump() + " is not gpkg, fgb or geojson");
      }
      format = f->as_string();
    }
    if (const auto* a = task.options.find("allow_pixel_coords")) {
      if (!a->is_bool()) throw core::DataError("task option 'allow_pixel_coords'", "not true or false");
      options.allow_pixel_coords = a->as_bool();
    }
    const std::string name = detections_name(task.id, format);
    options.inputs = task.inputs;
    options.output = context.staging_dir + "/" + name;
    options.threads = resources_.threads;
    options.max_memory = resources_.max_memory;
    if (options.detector == "onnx" && !options.onnx.card.empty()) {
      // The card passed --allow-root (reads()); the model file it names must too, before OpenCV opens it.
      context.check_read("model file", detect::load_model_card(options.onnx.card).model);
    }
    options.stop = context.stop_requested;
    const auto report = stoppable([&] { return detect::detect_scenes(options); });
    if (!report.failures.empty()) {
      std::string why = std::to_string(report.failures.size()) + " window(s) failed";
      for (const auto& f : report.failures) why += "; " + f;
      throw core::DataError("detecting in '" + task.inputs.front() + "'", why, "check the scene (gdalinfo -checksum)");
    }
    // FlatGeobuf keeps its provenance beside it, as `swath detect` writes it; moved into place first, so the
    // .fgb never appears without it.
    if (format == "fgb") return {{name + ".swath.json", name}, 0};
    return {{name}, 0};
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

}  // namespace swath::fleet
