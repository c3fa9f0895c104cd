// Config ↔ task options: a task records its section's values; a worker reads them back as a config layer.
#include "fleet/options.hpp"

#include <algorithm>
#include <filesystem>

#include "config/value_parse.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "detect/index_detector.hpp"
#include "fleet/plan_steps.hpp"
#include "settings/schema.hpp"
#include "tiling/options.hpp"
#include "webmap/options.hpp"

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

// The values from --options, flags, files and environment as the config reads them: "256", 256.0 and 256 are one size,
// "png" and "PNG" one format. A task's id hashes its options: spelt two ways, the same work would be two jobs, run
// twice.
void canonicalise(core::Json& out, const config::Config& probed, const std::string& kind) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : out.as_object()) keys.push_back(key);
  for (const auto& key : keys) {
    if (is_task_key(kind, key)) continue;
    const std::string other = kind == "tile" ? pyramid_key(key) : "";
    const std::string full = other.empty() ? kind + "." + key : other;
    if (probed.schema().find(full) == nullptr) continue;
    const auto& value = probed.entry(full).value;
    // Sizes as swath writes them ("16MiB"): one spelling, and one a reader of `swath queue job` takes in.
    core::Json typed = probed.schema().find(full)->type == config::Type::bytes
                           ? core::Json(config::byte_size_text(std::get<std::int64_t>(value)))
                           : config::to_json(value);
    if (full == "tile.format") typed = tiling::format_name(tiling::parse_format(typed.as_string(), key));
    if (full == "detect.index") typed = detect::canonical_index(typed.as_string());  // NDVI is ndvi
    if (full == "tile.scale") {  // "0, 255" and "0,255.0" are one range
      const auto scale = tiling::parse_scale(typed.as_string(), key);
      typed =
          scale.automatic ? std::string("auto") : config::number_text(scale.min) + "," + config::number_text(scale.max);
    }
    if (full == "tile.creation_options" && typed.is_array()) {  // --co a=1 --co B=2 is --co B=2 --co A=1
      std::vector<std::string> given;
      for (const auto& item : typed.as_array()) given.push_back(item.as_string());
      given = tiling::canonical_creation_options(std::move(given));
      typed = core::Json::array();
      for (auto& item : given) typed.push_back(std::move(item));
    }
    out.set(key, std::move(typed));
  }
}

// A key set both by a flag and in --options: one of them would be ignored without a word.
void refuse_flag_and_option(const config::Config& config, const std::string& kind, const std::string& key,
                            const core::Json& value) {
  if (is_task_key(kind, key) || key == "grid") return;  // the grid: webmap::refuse_other_grid_flags
  const std::string other = kind == "tile" ? pyramid_key(key) : "";
  const auto& entry = config.entry(other.empty() ? kind + "." + key : other);
  // Compared as the config reads both ("PAD" and pad are one edge).
  if (entry.origin.layer != config::Layer::flag) return;
  config::Config same = config;
  try {
    same.set(other.empty() ? kind + "." + key : other, value_text(key, value), {config::Layer::task, key});
    if (same.entry(other.empty() ? kind + "." + key : other).value == entry.value) return;
  } catch (const core::Error&) {
    return;  // a bad value: refused by the check that follows, naming it
  }
  throw core::UsageError(
      entry.origin.where + " " + entry.text + " with \"" + key + "\":" + value.dump() + " in --options",
      "two values for " + key, "give it once");
}

// A tile task makes every tile of its scene (or of its manifest slice); a shard in the options would make only a
// share of them, the rest never queued, the job still done. (--shards N queues all the shares.)
void refuse_shard(const config::Config& config, const core::Json& overrides) {
  const char* why = "enqueue queues every tile of each scene: a shard would queue only a share of them";
  const char* hint = "leave shard out; split each scene into N tasks with --shards N";
  if (const auto* given = overrides.find("shard"); given != nullptr) {
    if (given->is_string() && given->as_string().empty()) return;
    throw core::UsageError("--options: shard " + given->dump(), why, hint);
  }
  const auto& entry = config.entry("tile.shard");
  if (!entry.text.empty())
    throw core::UsageError("tile.shard " + entry.text + " (" + entry.origin.describe() + ")", why, hint);
}

}  // namespace

bool is_slice_key(const std::string& key) {
  return std::find(slice_keys.begin(), slice_keys.end(), key) != slice_keys.end();
}

std::string pyramid_key(const std::string& key) {
  if (key == "grid" || key == "zoom" || key == "resampling" || key == "tile_size") return "webmap." + key;
  return key == "max_memory" ? "run.max_memory" : "";
}

bool is_task_key(const std::string& kind, const std::string& key) {
  if (kind == "tile") return key != "shard" && is_slice_key(key);  // shard is a config key of the tile section
  if (kind == "detect") return key == "output_format" || key == "allow_pixel_coords" || key == "tiles";
  return false;
}

core::Json applicable_options(const std::string& kind, const core::Json& options) {
  core::Json out = core::Json::object();
  if (!options.is_object()) return out;
  const auto* grid = options.find("grid");
  const bool pyramid =
      kind == "tile" && grid != nullptr && grid->is_string() && core::to_lower(grid->as_string()) == "xyz";
  for (const auto& [key, value] : options.as_object()) {
    if (is_slice_key(key) || (pyramid && pyramid_key(key).empty() && !tiling::pyramid_reads(key))) continue;
    out.set(key, value);
  }
  return out;
}

core::Json task_options(const config::Config& config, const std::string& kind, const core::Json& overrides,
                        bool worker_paths) {
  const auto* grid = kind == "tile" ? overrides.find("grid") : nullptr;
  if (grid != nullptr && (!grid->is_string() || (core::to_lower(grid->as_string()) != "chips" &&
                                                 core::to_lower(grid->as_string()) != "xyz"))) {
    throw core::UsageError("--options: grid " + grid->dump(), "", "expected \"chips\" or \"xyz\"");
  }
  webmap::refuse_other_grid_flags(config, kind == "tile", grid != nullptr ? grid->as_string() : "");
  if (kind != "tile" && kind != "detect") return overrides;  // other kinds' options are their handler's own
  if (kind == "tile") refuse_shard(config, overrides);
  core::Json out = config.section_json(kind);
  const bool pyramid = kind == "tile" && (grid != nullptr ? core::to_lower(grid->as_string()) == "xyz"
                                                          : config.entry("webmap.grid").text == "xyz");
  if (pyramid) {
    const core::Json webmap = config.section_json("webmap");
    for (const auto& [key, value] : webmap.as_object()) out.set(key, value);
    // The memory budget chooses the blocks' root zoom, so the split: one for all the shards (not each worker's).
    const core::Json run = config.section_json("run");
    out.set("max_memory", *run.find("max_memory"));
    // As pyramid_options_from resolves it: a format left at its default (GTiff) is PNG for a web map.
    if (config.entry("tile.format").origin.layer == config::Layer::builtin) out.set("format", "PNG");
  }
  std::vector<std::string> known;
  for (const auto& [key, value] : out.as_object()) known.push_back(key);
  for (const auto& [key, value] : overrides.as_object()) {
    if (kind == "tile" && key == "grid" && !pyramid) continue;  // "chips": the tile section is the chips' options
    if (kind == "tile" && key == "scene_fingerprint") {
      throw core::UsageError("--options: tile option 'scene_fingerprint'",
                             "enqueue sets it for the tiles of a tiles.jsonl manifest (the file they were cut from)",
                             "leave it out");
    }
    if (kind == "detect" && key == "tiles") {
      throw core::UsageError("--options: detect option 'tiles'",
                             "enqueue sets it for the tiles of a tiles.jsonl manifest (each file's id and scene)",
                             "leave it out");
    }
    if (std::find(known.begin(), known.end(), key) == known.end() && !is_task_key(kind, key)) {
      if (kind == "tile" && pyramid_key(key).rfind("webmap.", 0) == 0) {
        throw core::UsageError("--options: tile option '" + key + "'",
                               "it applies to a web-map pyramid only: chips would ignore it",
                               "add --grid xyz (or \"grid\":\"xyz\"), or leave it out");
      }
      // The task-only keys a user gives (output_format...) are suggested too.
      auto candidates = known;
      if (kind == "detect") candidates.insert(candidates.end(), {"output_format", "allow_pixel_coords"});
      if (kind == "tile") candidates.emplace_back("only_indices");
      const auto suggestion = core::closest_match(key, candidates);
      throw core::UsageError("--options: unknown " + kind + " option '" + key + "'", "",
                             suggestion ? "did you mean '" + *suggestion + "'?" : "see `swath config show`");
    }
    if (pyramid && !is_task_key(kind, key) && pyramid_key(key).empty() && !tiling::pyramid_reads(key)) {
      throw core::UsageError("--options: tile option '" + key + "' with grid xyz",
                             "it applies to chips only: a web map would ignore it", "leave it out");
    }
    refuse_flag_and_option(config, kind, key, value);
    out.set(key, value);
  }
  // Workers run elsewhere: a relative model card means nothing to them (as for inputs, made absolute here).
  if (const auto* model = out.find("model");
      kind == "detect" && model != nullptr && model->is_string() && !model->as_string().empty()) {
    // Named for the workers, it is spelt as they see it: made absolute here it would name this machine's file.
    out.set("model", worker_paths ? worker_path(model->as_string(), "model") : core::resolved_path(model->as_string()));
  }
  // Checked now, so a typo fails the enqueue rather than dead-letters every task.
  queue::Task probe;
  probe.kind = kind;
  probe.options = out;
  config::Config probed = settings::defaults();
  try {
    probed = config_from_task(probe, kind);
  } catch (const core::DataError& e) {
    throw core::UsageError("--options: " + e.subject(), e.why(), e.hint());
  }
  // As `swath tile --scale` on its command line: asked for by name for tiles that keep the scene's values, it would
  // change nothing but the work's identity (another tile set to every later enqueue of the same tiles).
  if (const auto* scale = overrides.find("scale"); kind == "tile" && !pyramid && scale != nullptr) {
    const auto format = tiling::options_from(probed).format;
    if (!tiling::format_needs_byte(format)) {
      throw core::UsageError("--options: tile option scale " + scale->dump(),
                             tiling::format_name(format) +
                                 " tiles keep the scene's values; scale maps them to 8 bits for PNG, JPEG and WEBP",
                             "leave it out, or add \"format\":\"PNG\" (or JPEG, WEBP)");
    }
  }
  canonicalise(out, probed, kind);
  return out;
}

config::Config config_from_task(const queue::Task& task, const std::string& section) {
  config::Config config = settings::defaults();
  if (!task.options.is_object()) throw core::DataError("task options", "not a JSON object");
  for (const auto& [key, value] : task.options.as_object()) {
    if (is_task_key(task.kind, key) || key == "sleep_ms") continue;
    try {
      const std::string other = section == "tile" ? pyramid_key(key) : "";
      config.set(other.empty() ? section + "." + key : other, value_text(key, value), {config::Layer::task, key});
    } catch (const core::UsageError& e) {
      // The allowed values or range are in the hint; the subject names the option once ("task option size").
      if (e.subject().find("task option " + key) != std::string::npos)
        throw core::DataError(e.subject(), e.why(), e.hint());
      throw core::DataError("task option '" + key + "'", e.subject() + (e.why().empty() ? "" : ": " + e.why()),
                            e.hint());
    }
  }
  return config;
}

}  // namespace swath::fleet
