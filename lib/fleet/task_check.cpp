// Task → library options, checked, with refusals worded for whoever reads them (enqueue or worker).
#include "fleet/task_check.hpp"

#include <algorithm>
#include <cctype>

#include "core/json_lines.hpp"
#include "core/text.hpp"
#include "fleet/handlers.hpp"
#include "fleet/options.hpp"
#include "settings/schema.hpp"
#include "tiling/inputs_in_output.hpp"
#include "tiling/other_runs.hpp"
#include "tiling/plan.hpp"
#include "worker/settle.hpp"

namespace swath::fleet {

namespace {

std::string options_hint(const std::string& kind) {
  return "set " + kind + " options in --options '{\"KEY\":VALUE}', the " + kind + " section of --config, or SWATH_" +
         core::to_upper(kind) + "__KEY variables";
}

// The library's and the config's refusals of a task's values, as the audience's.
template <class Build>
auto refusing(Audience audience, const std::string& kind, Build&& build) {
  try {
    return build();
  } catch (const core::UsageError& e) {
    refuse(audience, kind, e);
  } catch (const core::DataError& e) {
    refuse(audience, kind, e);
  }
}

std::vector<std::int64_t> selected_indices(const core::Json& options) {
  std::vector<std::int64_t> out;
  if (const auto* list = options.find("only_indices")) {
    if (!list->is_array()) throw core::DataError("task option 'only_indices'", "not a list of tile indices");
    for (const auto& i : list->as_array()) {
      if (!i.is_int() || i.as_int() < 0)
        throw core::DataError("task option 'only_indices'", "has " + i.dump() + ", not an index");
      out.push_back(i.as_int());
    }
  }
  if (const auto* tiles = options.find("tiles")) {
    // A batch of tiles.jsonl lines: their grid indices (the scene is the task's input).
    if (!tiles->is_array()) throw core::DataError("task option 'tiles'", "not a list of manifest lines");
    for (const auto& t : tiles->as_array()) {
      const auto* index = t.is_object() ? t.find("index") : nullptr;
      if (index == nullptr || !index->is_int())
        throw core::DataError("task option 'tiles'", "a line has no integer 'index'");
      out.push_back(index->as_int());
    }
  }
  return out;
}

// A manifest's tile task: the fingerprint of the one scene its tiles were cut from; a shard's: of its scene as
// enqueue found it (fleet::expect_scene).
std::vector<std::string> scene_fingerprints(const queue::Task& task) {
  const auto* value = task.options.find("scene_fingerprint");
  if (value == nullptr) return {};
  if (!value->is_string() || task.inputs.size() != 1)
    throw core::DataError("task option 'scene_fingerprint'",
                          "is " + value->dump() + " for " + std::to_string(task.inputs.size()) + " scene(s)",
                          "enqueue sets it, for one scene: a tiles.jsonl manifest's or a shard's");
  return {value->as_string()};
}

}  // namespace

// Whether `hint` names a flag of a local command ("pass --allow-pixel-coords"), which means nothing to an enqueuer;
// a command quoted in backticks (`gdalinfo --formats`) is not one.
bool names_local_flag(const std::string& hint) {
  bool quoted = false;
  for (std::size_t i = 0; i + 1 < hint.size(); ++i) {
    if (hint[i] == '`') quoted = !quoted;
    if (!quoted && hint[i] == '-' && hint[i + 1] == '-') return true;
  }
  return false;
}

std::string task_option_named_in(const std::string& hint, const std::string& kind) {
  const auto defaults = settings::defaults();
  const auto& schema = defaults.schema();
  bool quoted = false;
  for (std::size_t i = 0; i + 2 < hint.size(); ++i) {
    if (hint[i] == '`') quoted = !quoted;
    if (quoted || hint[i] != '-' || hint[i + 1] != '-' || (i > 0 && hint[i - 1] == '-')) continue;
    std::size_t end = i + 2;
    while (end < hint.size() && (std::isalnum(static_cast<unsigned char>(hint[end])) || hint[end] == '-')) ++end;
    const std::string flag = hint.substr(i, end - i);
    for (const auto& spec : schema.keys()) {
      const auto flags = core::split(spec.flag, ',');
      if (std::find(flags.begin(), flags.end(), flag) == flags.end()) continue;
      const auto dot = spec.key.find('.');
      const std::string section = spec.key.substr(0, dot);
      if (section == kind || (kind == "tile" && (section == "webmap" || spec.key == "run.max_memory")))
        return spec.key.substr(dot + 1);
    }
  }
  return "";
}

void refuse(Audience audience, const std::string& subject, const std::string& why, const std::string& enqueue_hint) {
  if (audience == Audience::enqueue) throw core::UsageError(subject, why, enqueue_hint);
  throw core::DataError(subject, why,
                        "the task cannot run as it was enqueued: enqueue the work again with options that fit "
                        "(`swath enqueue` checks them)");
}

void refuse(Audience audience, const std::string& kind, const core::Error& error) {
  const bool names_flag = names_local_flag(error.hint());
  refuse(audience, error.subject(), error.why(),
         error.hint().empty() || names_flag ? options_hint(kind) : error.hint());
}

void refuse_tile_set(Audience audience, const std::string& output_dir, const core::UsageError& error,
                     const std::string& enqueue_hint, const std::string& worker_hint) {
  if (audience == Audience::enqueue) throw core::UsageError("--output '" + output_dir + "'", error.why(), enqueue_hint);
  // Committed, this task's tiles would mix with that set under one glob, each manifest listing part of them.
  throw core::DataError("output '" + output_dir + "'",
                        error.why() + " (there when the worker looked: made since enqueue, or not looked at by it)",
                        worker_hint);
}

namespace {
// What a chips manifest's header says of these options (its scenes are not compared).
core::Json chips_header(const tiling::TileOptions& options) {
  return core::Json::Object{
      {"schema", "swath.tiles/1"}, {"options", tiling::output_options_json(options)}, {"scenes", core::Json::array()}};
}
}  // namespace

tiling::ListedByOtherKind local_tile_runs(const std::string& output_dir, const tiling::TileOptions& options) {
  return tiling::ListedByOtherKind::find(output_dir, "tiles.jsonl", chips_header(options), true);
}

void refuse_scenes_tiled_locally(const tiling::ListedByOtherKind& local, const std::vector<std::string>& scene_names,
                                 const std::string& output_dir, Audience audience) {
  try {
    local.refuse(scene_names, "");
  } catch (const core::UsageError& e) {
    refuse_tile_set(audience, output_dir, e,
                    "use another --output, or remove that manifest, its .geojson and the scene's tiles first",
                    "remove that manifest, its .geojson and the scene's tiles, then `swath queue dead retry` this "
                    "task; or enqueue the work again with another --output");
  }
}

void refuse_other_tile_sets(const std::string& output_dir, const tiling::TileOptions& options, Audience audience) {
  const core::Json header = chips_header(options);
  try {
    tiling::OtherRuns::find(output_dir, "tiles.jsonl", header, false);
  } catch (const core::UsageError& e) {
    refuse_tile_set(audience, output_dir, e, "use another --output, or remove that run's tiles and manifests first",
                    "remove that run's tiles and manifests, then `swath queue dead retry` this task; or enqueue the "
                    "work again with another --output");
  }
  try {  // shard manifests of another count list the same tiles as this work's
    tiling::refuse_other_shard_counts(output_dir, "tiles.jsonl", static_cast<std::int64_t>(options.shard.count), "", {},
                                      true);
  } catch (const core::UsageError& e) {
    refuse_tile_set(audience, output_dir, e,
                    "enqueue it with the shards of those files (--shards N, or none for a whole run), or choose "
                    "another --output",
                    "remove those manifests and their tiles, then `swath queue dead retry` this task; or enqueue the "
                    "work again with another --output");
  }
}

std::vector<std::int64_t> tile_task_indices(const queue::Task& task, Audience audience) {
  return refusing(audience, "tile", [&] { return selected_indices(task.options); });
}

tiling::TileOptions tile_task_options(const queue::Task& task, Audience audience) {
  for (const auto& input : task.inputs) {
    if (core::is_json_lines_path(input)) {
      refuse(audience, "tile task input '" + input + "'", "a tiles.jsonl manifest names scenes, not their paths",
             "enqueue the manifest or the scenes themselves (with --shards N to split them)");
    }
  }
  auto options = refusing(audience, "tile", [&] {
    tiling::TileOptions o = tiling::options_from(config_from_task(task, "tile"));
    o.scenes = task.inputs;
    o.output_dir = task.output;
    o.only_indices = tile_task_indices(task, audience);
    o.scene_fingerprints = scene_fingerprints(task);
    tiling::validate(o);
    return o;
  });
  // A scene named ".x.tif" (a worker commits no hidden file), like the run's own files (tiles.jsonl.tif: refused
  // only once tiled), or "swath-records" (its tiles among the job's done records).
  const auto names = refusing(audience, "tile", [&] { return tiling::scene_names(options.scenes); });
  refusing(audience, "tile", [&] { tiling::refuse_scene_names(options, names, {"swath-records"}, "enqueue"); });
  // A scene placed and named as one of its own tiles in the output: the move into place would replace it (a worker
  // tiles into staging, so tile_scenes' own check never sees the output).
  refusing(audience, "tile",
           [&] { tiling::refuse_scenes_in_output(options.scenes, options.output_dir, names, false, false); });
  return options;
}

namespace {

// A detect task from a manifest: its inputs labelled as `swath detect` labels the manifest's tiles ("tiles", one
// {id, scene, sha256} per input); empty for a task of scenes.
std::vector<detect::InputScene> listed_tiles(const queue::Task& task, Audience audience) {
  const auto* tiles = task.options.find("tiles");
  if (tiles == nullptr) return {};
  const auto refuse_tiles = [&](const std::string& why) {
    refuse(
        audience, "task option 'tiles'", why,
        "leave it out: enqueue fills it from a tiles.jsonl manifest, one {\"id\",\"scene\",\"sha256\"} per tile file");
  };
  if (!tiles->is_array() || tiles->as_array().size() != task.inputs.size()) {
    refuse_tiles("is not an array of one label per input (" + std::to_string(task.inputs.size()) + ")");
  }
  std::vector<detect::InputScene> out;
  for (std::size_t i = 0; i < task.inputs.size(); ++i) {
    const auto& label = tiles->as_array()[i];
    const auto* id = label.is_object() ? label.find("id") : nullptr;
    const auto* scene = label.is_object() ? label.find("scene") : nullptr;
    const auto* sha256 = label.is_object() ? label.find("sha256") : nullptr;
    if (!label.is_object() || (id != nullptr && !id->is_string()) || (scene != nullptr && !scene->is_string()) ||
        (sha256 != nullptr && !sha256->is_string())) {
      refuse_tiles(label.dump() + " is not an object of strings \"id\", \"scene\" and \"sha256\"");
    }
    const std::string& path = task.inputs[i];
    out.push_back({path, scene != nullptr && !scene->as_string().empty() ? scene->as_string() : path,
                   id != nullptr ? id->as_string() : "", "", sha256 != nullptr ? sha256->as_string() : ""});
  }
  return out;
}

}  // namespace

detect::DetectOptions detect_task_options(const queue::Task& task, Audience audience) {
  auto options = refusing(audience, "detect", [&] { return detect::options_from(config_from_task(task, "detect")); });
  std::string format = "gpkg";
  if (const auto* f = task.options.find("output_format")) {
    if (!f->is_string() || (f->as_string() != "gpkg" && f->as_string() != "fgb" && f->as_string() != "geojson")) {
      refuse(audience, "task option 'output_format'", f->dump() + " is not gpkg, fgb or geojson",
             "--options '{\"output_format\":\"fgb\"}' (gpkg when not given)");
    }
    format = f->as_string();
  }
  if (const auto* a = task.options.find("allow_pixel_coords")) {
    if (!a->is_bool()) {
      refuse(audience, "task option 'allow_pixel_coords'", a->dump() + " is not true or false",
             "--options '{\"allow_pixel_coords\":true}'");
    }
    options.allow_pixel_coords = a->as_bool();
  }
  if (options.detector == "onnx" && options.onnx.card.empty()) {
    refuse(audience, "detector onnx", "no model card given",
           "name one with --options '{\"model\":\"CARD.yaml\"}' or SWATH_DETECT__MODEL=CARD.yaml (the YAML card beside "
           "the .onnx)");
  }
  options.inputs = task.inputs;
  options.listed = listed_tiles(task, audience);
  options.output = detections_name(task.id, format);
  return options;
}

}  // namespace swath::fleet
