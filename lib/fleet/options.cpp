// Config ↔ task options ↔ TileOptions / DetectOptions: the one place both paths get their options from.
#include "fleet/options.hpp"

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"

namespace swath::fleet {

namespace {

// A JSON value back to the text a config key parses (lists are comma-joined, as in YAML flow or flags).
std::string value_text(const std::string& key, const core::Json& value) {
  if (value.is_string()) return value.as_string();
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  if (value.is_number()) return value.dump();
  if (value.is_array()) {
    std::string out;
    for (const auto& item : value.as_array()) {
      const std::string text = value_text(key, item);
      if (text.find(',') != std::string::npos) {
        throw core::DataError("task option '" + key + "'", "list item '" + text + "' contains a comma");
      }
      out += (out.empty() ? "" : ",") + text;
    }
    return out;
  }
  throw core::DataError("task option '" + key + "'", "is " + value.dump() + ", not a string, number, bool or list");
}

// Where a value came from, for messages: the flag ("--bands"), "task option bands", "file swath.yaml:3", ...
std::string source_of(const config::Config& c, const std::string& key) {
  const auto& origin = c.entry(key).origin;
  return origin.layer == config::Layer::flag ? origin.where : origin.describe();
}

}  // namespace

tiling::TileOptions tile_options_from(const config::Config& c) {
  tiling::TileOptions o;
  o.grid = {c.get_int("tile.size"), c.get_int("tile.overlap"),
            c.get_string("tile.edge") == "shrink" ? tiling::Edge::shrink : tiling::Edge::pad};
  o.format = tiling::parse_format(c.get_string("tile.format"), source_of(c, "tile.format"));
  o.creation_options = c.get_list("tile.creation_options");
  o.bands = tiling::parse_bands(c.get_list("tile.bands"), source_of(c, "tile.bands"));
  o.scale = tiling::parse_scale(c.get_string("tile.scale"), source_of(c, "tile.scale"));
  o.skip_blank = c.get_number("tile.skip_blank");
  o.shard = tiling::parse_shard(c.get_string("tile.shard"), source_of(c, "tile.shard"));
  o.threads = static_cast<int>(c.get_int("run.threads"));
  o.max_memory = static_cast<std::size_t>(c.get_int("run.max_memory"));
  return o;
}

detect::DetectOptions detect_options_from(const config::Config& c) {
  detect::DetectOptions o;
  o.detector = c.get_string("detect.detector");
  o.window = c.get_int("detect.window");    // 0: the detector's choice
  o.overlap = c.get_int("detect.overlap");  // -1: automatic
  o.threads = static_cast<int>(c.get_int("run.threads"));
  o.max_memory = static_cast<std::size_t>(c.get_int("run.max_memory"));
  o.merge = {detect::parse_merge_method(c.get_string("detect.merge")), detect::parse_overlap_metric(c.get_string("detect.merge_metric")),
             c.get_number("detect.merge_threshold"), !c.get_bool("detect.merge_across_classes")};
  o.cfar.pfa = c.get_number("detect.cfar_pfa");
  o.cfar.guard = c.get_number("detect.cfar_guard");
  o.cfar.background = c.get_number("detect.cfar_background");
  o.cfar.metres = c.get_string("detect.cfar_units") == "metres";
  o.cfar.join = static_cast<int>(c.get_int("detect.cfar_join"));
  o.cfar.min_score = c.get_number("detect.cfar_min_score");
  o.cfar.band = static_cast<int>(c.get_int("detect.cfar_band"));
  o.cfar.cls = c.get_string("detect.cfar_class");
  o.cfar.min_size_m = c.get_number("detect.min_size_m");
  o.cfar.max_size_m = c.get_number("detect.max_size_m");
  o.index.index = c.get_string("detect.index");
  o.index.threshold = c.get_number("detect.index_threshold");
  o.index.bands = c.get_list("detect.index_bands");
  o.index.min_area_m2 = c.get_number("detect.index_min_area_m2");
  o.index.cls = c.get_string("detect.index_class");
  o.onnx.card = c.get_string("detect.model");
  o.onnx.score_threshold = c.get_number("detect.score_threshold");
  o.config = c.section_json("detect");
  return o;
}

bool is_task_key(const std::string& kind, const std::string& key) {
  if (kind == "tile") return key == "only_indices" || key == "tiles";
  if (kind == "detect") return key == "output_format" || key == "allow_pixel_coords";
  return false;
}

core::Json task_options(const config::Config& config, const std::string& kind, const core::Json& overrides) {
  core::Json out = config.section_json(kind);
  std::vector<std::string> known;
  for (const auto& [key, value] : out.as_object()) known.push_back(key);
  for (const auto& [key, value] : overrides.as_object()) {
    if (std::find(known.begin(), known.end(), key) == known.end() && !is_task_key(kind, key)) {
      const auto suggestion = core::closest_match(key, known);
      throw core::UsageError("--options: unknown " + kind + " option '" + key + "'", "",
                             suggestion ? "did you mean '" + *suggestion + "'?" : "see `swath config show`");
    }
    out.set(key, value);
  }
  // Workers run elsewhere: a relative model card means nothing to them (as for inputs, made absolute here).
  if (const auto* model = out.find("model"); kind == "detect" && model != nullptr && model->is_string() &&
                                             !model->as_string().empty()) {
    out.set("model", core::resolved_path(model->as_string()));
  }
  // Checked now, so a typo fails the enqueue rather than dead-letters every task.
  queue::Task probe;
  probe.kind = kind;
  probe.options = out;
  try {
    (void)config_from_task(probe, kind);
  } catch (const core::DataError& e) {
    throw core::UsageError("--options: " + e.subject(), e.why());
  }
  return out;
}

config::Config config_from_task(const queue::Task& task, const std::string& section) {
  config::Config config;
  if (!task.options.is_object()) throw core::DataError("task options", "not a JSON object");
  for (const auto& [key, value] : task.options.as_object()) {
    if (is_task_key(task.kind, key) || key == "sleep_ms") continue;
    try {
      config.set(section + "." + key, value_text(key, value), {config::Layer::flag, "task option " + key});
    } catch (const core::UsageError& e) {
      throw core::DataError("task option '" + key + "'", e.subject() + (e.why().empty() ? "" : ": " + e.why()));
    }
  }
  return config;
}

}  // namespace swath::fleet
