// detect_scenes: validate everything first (nothing is written on a usage error), then per scene the
// grid's windows through the ordered pipeline, then merge, sort and write once.
#include "detect/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "detect/factory.hpp"
#include "detect/input_checks.hpp"
#include "detect/input_record.hpp"
#include "detect/inputs.hpp"
#include "detect/merge.hpp"
#include "detect/output.hpp"
#include "detect/quicklook.hpp"
#include "detect/scene_pass.hpp"
#include "detect/scene_setup.hpp"
#include "detect/to_map.hpp"
#include "log/context.hpp"
#include "log/logger.hpp"
#include "provenance/provenance.hpp"
#include "raster/fingerprint.hpp"
#include "raster/scene.hpp"

namespace swath::detect {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kDefaultWindow = 512;
constexpr std::int64_t kAutoOverlap = -1;

// A manifest's failed tiles, and its tiles that cannot be opened (gone, damaged), are not read: each is a failure
// of the run (exit 3, listed in the output's metadata), as a tile that fails while read is; a scene given itself
// that cannot be opened ends the run.
std::vector<Scene> open_scenes(const DetectOptions& options, Detector& detector, DetectReport& report) {
  std::vector<Scene> scenes;
  std::string first_failed;
  const auto unexamined = [&](const InputScene& input, const std::string& why) {
    if (first_failed.empty()) first_failed = input.tile + ": " + why;
    report.failures.push_back(input.label + " " + input.tile + ": not examined: " + why);
    ++report.unexamined_tiles;
  };
  for (auto& input : options.listed.empty() ? expand_inputs(options.inputs) : options.listed) {
    if (!input.tiling_error.empty()) {
      unexamined(input, "the tile failed when tiled (" + input.tiling_error + ")");
      continue;
    }
    // A FIFO or device where a tile was: hashing it would block, or read /dev/zero for ever.
    if (!input.tile.empty()) {
      try {
        raster::refuse_special_file(input.path);
      } catch (const core::IoError& e) {
        unexamined(input, core::describe(e));
        continue;
      }
    }
    // A tile rewritten after tiling (another tile copied over it) would be detected as if it were its window.
    if (!input.sha256.empty() && !core::is_vsi_path(input.path)) {
      const std::string actual = file_sha256(input.path);
      if (!actual.empty() && actual != input.sha256) {
        unexamined(input, "its SHA-256 differs from what its manifest records: the file changed after it was tiled");
        continue;
      }
    }
    // Its warnings (no CRS, not 8-bit, another pixel size than the model's) carry the scene, as its windows' do.
    const log::Scope scope{{"scene", input.label}};
    GDALDatasetUniquePtr dataset;
    try {
      dataset = raster::open_scene(input.path);
    } catch (const core::Error& e) {
      if (input.tile.empty()) throw;
      unexamined(input, core::describe(e));
      continue;
    }
    if (!input.tile.empty()) refuse_unplaced_tile(*dataset, input);
    auto prepared = prepare_scene(*dataset, input.path, options.allow_pixel_coords);
    // A scene reaching past a pole is georeferenced wrong; a manifest's tile may pad past one (its scene was checked
    // when tiled, and its padding holds no data).
    if (input.tile.empty()) raster::require_on_earth(prepared.info);
    detector.prepare(prepared.info, prepared.measure);
    scenes.push_back({std::move(input), std::move(prepared)});
  }
  if (scenes.empty()) {
    const bool failed = !report.failures.empty();
    throw core::DataError("nothing to detect in '" + core::join(options.inputs, "', '") + "'",
                          failed ? "no tile listed could be read; the first: " + first_failed
                                 : "no tile with a file is listed (blank tiles have none)",
                          failed ? "detect the scene itself, or tile it again (swath tile --resume remakes failed "
                                   "tiles)"
                                 : "detect the scene itself; if its tiles are blank (nodata or alpha) and you want "
                                   "them looked at anyway, tile again with --skip-blank 0");
  }
  const bool pixel_coords =
      std::any_of(scenes.begin(), scenes.end(), [](const Scene& s) { return s.prepared.crs_wkt.empty(); });
  // One layer has one CRS: pixel boxes (x 0..width) would sit among the metres of the georeferenced scenes.
  const auto mapped =
      std::find_if(scenes.begin(), scenes.end(), [](const Scene& s) { return !s.prepared.crs_wkt.empty(); });
  if (pixel_coords && mapped != scenes.end()) {
    const auto unmapped =
        std::find_if(scenes.begin(), scenes.end(), [](const Scene& s) { return s.prepared.crs_wkt.empty(); });
    throw core::UsageError("scenes '" + unmapped->input.path + "' and '" + mapped->input.path + "'",
                           "the first has pixel coordinates only, the second a CRS: one output cannot hold both",
                           "detect them in two runs, one output each");
  }
  // Each image's pixels are a frame of their own: merged as one, detections of two images overlapped (a copy lost
  // all of its own).
  if (pixel_coords && scenes.size() > 1) {
    throw core::UsageError("scenes '" + scenes[0].input.path + "' and '" + scenes[1].input.path + "'",
                           "they have pixel coordinates only, each its own frame: one output would merge their "
                           "detections as if both were one image",
                           "detect each in a run of its own");
  }
  if (pixel_coords && vector::format_for_path(options.output) == vector::Format::geojson) {
    throw core::UsageError("output '" + options.output + "'",
                           "GeoJSON is WGS84 and the scene has pixel coordinates only",
                           "write .gpkg or .fgb with --allow-pixel-coords");
  }
  // Refused before the first window, not once all are done (was: exit 1 at the end).
  if (!pixel_coords && vector::format_for_path(options.output) == vector::Format::geojson) {
    for (const auto& scene : scenes) {
      if (vector::reaches_wgs84(scene.prepared.crs_wkt)) continue;
      throw core::UsageError("output '" + options.output + "'",
                             "GeoJSON is WGS84 and scene '" + scene.input.path +
                                 "' has a CRS PROJ cannot take there (a local one, or another planet's)",
                             "write .gpkg or .fgb, which keep the scene's CRS");
    }
  }
  return scenes;
}

// Each input read: a scene by its content fingerprint, a manifest's tile by the SHA-256 checked before reading it.
core::Json inputs_of(const std::vector<Scene>& scenes) {
  std::vector<InputIdentity> inputs;
  inputs.reserve(scenes.size());
  for (const auto& scene : scenes) {
    const auto& input = scene.input;
    inputs.push_back({input.label, input.tile,
                      input.sha256.empty() ? raster::scene_fingerprint(input.path).value_or("") : "", input.sha256});
  }
  return inputs_json(inputs);
}

core::Json provenance_options(const DetectOptions& options, const Detector& detector) {
  return core::Json::Object{{"detector", detector.name()},
                            {"detector_options", detector.options_json()},
                            {"window", static_cast<long long>(options.window)},
                            {"overlap", static_cast<long long>(options.overlap)},
                            {"merge", options.merge.method == MergeMethod::merge ? "merge" : "nms"},
                            {"merge_metric", options.merge.metric == OverlapMetric::iou ? "iou" : "ios"},
                            {"merge_threshold", options.merge.threshold},
                            {"merge_per_class", options.merge.per_class}};
}

// Not one window could be read (a truncated or damaged scene): an empty collection would look like a sea without
// ships, so nothing is written and the run fails.
void refuse_if_nothing_read(const DetectReport& report) {
  const auto unreadable = static_cast<std::int64_t>(report.failures.size()) - report.unexamined_tiles;
  if (report.windows == 0 || unreadable < report.windows) return;
  const auto [first, hint] = core::split_hint(report.failures.front());  // its own hint says what to check
  throw core::DataError(
      "no window could be read (" + std::to_string(report.windows) + " failed), so nothing is written",
      "the first: " + first, hint);
}

}  // namespace

core::Json to_json(const DetectReport& report) {
  core::Json failed = core::Json::array();
  for (const auto& f : report.failures) failed.push_back(f);
  return core::Json::Object{{"schema", "swath.detect/1"},
                            {"output", report.output},
                            {"detector", report.detector},
                            {"scenes", static_cast<long long>(report.scenes)},
                            {"tiles", static_cast<long long>(report.tiles)},
                            {"windows", static_cast<long long>(report.windows)},
                            {"raw_detections", static_cast<long long>(report.raw_detections)},
                            {"detections", static_cast<long long>(report.detections)},
                            {"failed_windows", failed},
                            {"window", static_cast<long long>(report.window)},
                            {"detect_seconds", report.detect_seconds},
                            {"inference_seconds", report.inference_seconds},
                            {"merge_write_seconds", report.merge_write_seconds},
                            {"wall_seconds", report.wall_seconds},
                            {"cpu_seconds", report.cpu_seconds}};
}

DetectOptions with_window(const DetectOptions& requested, const Detector& detector) {
  DetectOptions options = requested;
  if (options.window <= 0)
    options.window = detector.preferred_window() > 0 ? detector.preferred_window() : kDefaultWindow;
  // A model's window larger than its input would be shrunk into it, and its objects with it (a 256-pixel model at
  // --window 512 found nothing: F1 0.895 → 0).
  if (const auto input = detector.preferred_window(); input > 0 && options.window > input) {
    throw core::UsageError("--window " + std::to_string(options.window),
                           "the model takes " + std::to_string(input) +
                               "-pixel windows, and a larger one is shrunk "
                               "to fit, its objects with it",
                           "leave --window out (the model's input), or give at most " + std::to_string(input));
  }
  if (options.overlap == kAutoOverlap) options.overlap = std::min<std::int64_t>(64, options.window / 4);
  if (options.overlap < 0 || options.overlap >= options.window) {
    throw core::UsageError("--overlap " + std::to_string(options.overlap),
                           "it must be at least 0 and less than the window (" + std::to_string(options.window) + ")",
                           "give a smaller --overlap, or leave it out (a quarter of the window, at most 64)");
  }
  return options;
}

DetectReport detect_scenes(const DetectOptions& requested) {
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  vector::format_for_path(requested.output);  // refuse an unknown extension before any work
  check_output_paths(requested);
  auto detector = make_detector(requested);
  const DetectOptions options = with_window(requested, *detector);
  DetectReport report;
  const auto scenes = open_scenes(options, *detector, report);
  if (!options.quicklook.empty() && scenes.size() > 1) {  // before any work: it drew the first and said nothing
    throw core::UsageError(
        "--quicklook '" + options.quicklook + "'",
        "it draws one scene, and this run reads " + std::to_string(scenes.size()) +
            (std::any_of(scenes.begin(), scenes.end(), [](const Scene& scene) { return !scene.input.tile.empty(); })
                 ? " (a manifest's tiles are scenes)"
                 : ""),
        "run detect on one scene for its quicklook, or leave --quicklook out");
  }
  remove_stale_temporaries_of(options.output);
  remove_stale_temporaries_of(options.quicklook);
  report.output = options.output;
  report.detector = detector->name();
  std::vector<Detection> found;
  std::set<std::string> labels;
  for (const auto& scene : scenes) {
    log::Scope scope{{"scene", scene.input.label}};
    detect_scene(scene, *detector, options, report, found);
    labels.insert(scene.input.tile.empty() ? scene.input.path : scene.input.label);
    if (!scene.input.tile.empty()) ++report.tiles;
  }
  report.scenes = static_cast<std::int64_t>(labels.size());
  report.raw_detections = static_cast<std::int64_t>(found.size());
  refuse_if_nothing_read(report);
  const auto merge_start = Clock::now();
  const std::string crs = scenes.front().prepared.crs_wkt;
  CrsByScene crs_by_scene;
  for (const auto& s : scenes) crs_by_scene.emplace(s.input.label, s.prepared.crs_wkt);
  found = joined_in_own_crs(std::move(found), crs_by_scene);
  auto merged = merge_detections(to_common_crs(std::move(found), crs, crs_by_scene), options.merge);
  report.detections = static_cast<std::int64_t>(merged.size());

  // Everything is written under temporary names first and committed at once: a stop before the commit
  // leaves no output at all rather than some of it.
  core::StagedFiles staged;
  const auto quicklook_start = Clock::now();
  if (!options.quicklook.empty()) {
    try {
      stage_quicklook(options.quicklook, scenes.front().prepared, merged, scenes.front().input.label, options.stop,
                      staged);
    } catch (const core::Interrupted&) {
      throw_interrupted(report.windows);
    }
  }
  const auto quicklook_time = Clock::now() - quicklook_start;
  const core::Json used = provenance_options(options, *detector);  // onnx hashes its model for it: once
  auto record = provenance::provenance_json(provenance::hash_options(used));
  core::Json about = core::Json::Object{{"provenance", record}, {"options", used}, {"inputs", inputs_of(scenes)}};
  // The file itself says it lacks what those windows hold (absent when none failed: the same bytes as before).
  if (!report.failures.empty()) about.set("failed_windows", to_json(report).at("failed_windows"));
  stage_detections(options.output, merged, crs, detector->name(), log::current().get("trace_id"), about, staged);
  if (options.stop && options.stop()) throw_interrupted(report.windows);
  staged.commit();
  report.merge_write_seconds = std::chrono::duration<double>(Clock::now() - merge_start - quicklook_time).count();
  report.inference_seconds = detector->inference_seconds();
  report.window = options.window;
  report.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return report;
}

}  // namespace swath::detect
