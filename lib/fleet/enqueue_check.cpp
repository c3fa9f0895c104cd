// Enqueue-time checks of tile and detect tasks: the worker's own option checks, plus cheap looks at local files.
#include "fleet/enqueue_check.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "detect/factory.hpp"
#include "detect/scene_setup.hpp"
#include "fleet/options.hpp"
#include "fleet/plan_steps.hpp"
#include "fleet/pyramid_tasks.hpp"
#include "fleet/task_check.hpp"
#include "queue/claims.hpp"
#include "raster/scene.hpp"
#include "tiling/options.hpp"
#include "tiling/other_runs.hpp"
#include "tiling/plan.hpp"
#include "tiling/scene_setup.hpp"
#include "vector/layer.hpp"
#include "webmap/run_setup.hpp"

namespace swath::fleet {

namespace {

namespace fs = std::filesystem;

// How a tile work lists its tiles: one manifest per task of a whole scene, per shard, or per batch of a manifest's
// lines.
std::string slicing_of(const queue::Task& task, const tiling::TileOptions& options) {
  if (task.tiles_per_task > 0)
    return "listed in batches of " + std::to_string(task.tiles_per_task) +
           (task.tiles_per_task == 1 ? " tile" : " tiles");
  if (options.shard.count > 1) return "listed in " + std::to_string(options.shard.count) + " shards";
  return "listed whole";
}

template <class Check>
void refusing(const std::string& kind, Check&& check) {
  try {
    check();
  } catch (const core::Interrupted&) {
    throw;
  } catch (const core::Error& e) {
    refuse(Audience::enqueue, kind, e);
  }
}

class Checker {
 public:
  // Without `open_scenes` the paths are the workers' (enqueue --worker-paths): no local file is looked at.
  explicit Checker(bool open_scenes) : open_scenes_(open_scenes) {}

  // The whole check for the first task of a work; its other tasks (shards, manifest batches, thousands of them)
  // differ only in their slice, checked against each scene's grid.
  void tile(queue::Task& task) {
    const std::string key = std::to_string(work_of(task)) + " " + task.output + " " + core::join(task.inputs, "\n");
    auto work = tile_works_.find(key);
    if (work == tile_works_.end()) {
      TileWork fresh{tile_task_options(task, Audience::enqueue), {}};
      const auto names = tiling::scene_names(fresh.options.scenes);
      const std::string shape = tiling::output_options_json(fresh.options).dump();
      // Redis keeps the shape and each scene directory once; a claim names them by reference, so it stays short
      // (≤ 64 bytes for scene names up to ~30 characters: Redis' small hash encoding).
      const std::string shape_ref = "#" + core::sha256_hex(shape).substr(0, 16);
      for (std::size_t i = 0; i < names.size(); ++i) {
        const fs::path scene(fresh.options.scenes[i]);
        const std::string dir = scene.parent_path().string();
        const std::string dir_ref = "@" + core::sha256_hex(dir).substr(0, 12);
        fresh.claims.push_back({task.output + "/" + names[i],
                                "tile " + dir_ref + "/" + scene.filename().string() + " " + shape_ref,
                                {{dir_ref, dir}, {shape_ref, shape}}});
      }
      // The output's tile set: two works of other options into one output (other scenes, so no scene directory in
      // common) would leave two grids' manifests side by side, which `swath tile` refuses there.
      // --skip-blank aside: it only decides which cells get a file (tiling::OtherRuns, the README).
      core::Json set_shape = core::Json::object();
      const core::Json options_json = tiling::output_options_json(fresh.options);
      for (const auto& [option, value] : options_json.as_object())
        if (option != "skip_blank") set_shape.set(option, value);
      const std::string set_text = set_shape.dump();
      const std::string set_ref = "#" + core::sha256_hex(set_text).substr(0, 16);
      fresh.claims.push_back({task.output + "/tiles.*.jsonl", "chips " + set_ref, {{set_ref, set_text}}});
      // Shards of two counts in one output list every tile twice: a claim of the count (as for pyramids).
      const auto count = static_cast<std::int64_t>(fresh.options.shard.count);
      if (count > 1) {
        fresh.claims.push_back(
            {task.output + "/tiles.shard-*.jsonl", "chips in " + std::to_string(count) + " shards", {}});
      }
      // A scene's tiles listed by two slicings of its work (whole, in shards, in a manifest's batches) are listed
      // twice: each scene's slicing is claimed too (a key of its own, so claims queued before it still match).
      const std::string slicing = slicing_of(task, fresh.options);
      for (std::size_t i = 0; i < names.size(); ++i) {
        fresh.claims.push_back({task.output + "/" + names[i] + ": listed",
                                fs::path(fresh.options.scenes[i]).filename().string() + " " + slicing,
                                {}});
      }
      // Tiles of another run there, whoever wrote them (`swath tile`, another fleet's): the tasks would write over
      // them, or list them twice. `swath tile` refuses that as this does. Once per output, options and shard count:
      // it reads every manifest there. A worker's --output is the worker's directory (not looked at).
      if (open_scenes_ && !core::is_vsi_path(task.output)) {
        if (sets_checked_.insert(task.output + "\n" + shape + "\n" + std::to_string(count)).second)
          refuse_other_tile_sets(task.output, fresh.options, Audience::enqueue);
        // A local run's tiles of these scenes with these options: the tasks' manifests would list them again.
        auto local = local_runs_.find(task.output + "\n" + shape);
        if (local == local_runs_.end())
          local = local_runs_.emplace(task.output + "\n" + shape, local_tile_runs(task.output, fresh.options)).first;
        refuse_scenes_tiled_locally(local->second, names, task.output, Audience::enqueue);
      }
      work = tile_works_.emplace(key, std::move(fresh)).first;
    }
    auto& options = work->second.options;
    options.only_indices = tile_task_indices(task, Audience::enqueue);
    for (const auto& scene : options.scenes) {
      if (const auto* info = scene_info(scene, "tile"))
        refusing("tile", [&] { tiling::check_scene_fits(options, *info); });
    }
    task.claims = work->second.claims;
  }

  // A pyramid's shards and merge: the options checked as `swath tile --grid xyz` checks them and the scenes opened
  // as it opens them (a scene without a CRS is refused here, not dead-lettered), once per work.
  void pyramid(queue::Task& task) {
    const std::string key = std::to_string(work_of(task)) + " " + task.output + " " + core::join(task.inputs, "\n");
    auto work = pyramid_claims_.find(key);
    if (work == pyramid_claims_.end()) {
      const auto options = pyramid_task_options(task, Audience::enqueue);
      const bool local =
          open_scenes_ && std::all_of(task.inputs.begin(), task.inputs.end(), [](const std::string& path) {
            return !core::is_vsi_path(path) && ::access(path.c_str(), R_OK) == 0;
          });
      if (local) {
        std::vector<webmap::PyramidScene> scenes;
        refusing("tile", [&] { scenes = webmap::prepare_scenes(options); });
        // What `swath tile --grid xyz` finds in its output before writing, with the message it gives.
        if (!core::is_vsi_path(task.output)) {
          const auto layout = webmap::make_layout(options, scenes);
          refuse_other_pyramid_files(task.output, webmap::header_json(options, layout, core::Json::object()),
                                     pyramid_shard_count(task, options), Audience::enqueue);
        }
      }
      work = pyramid_claims_.emplace(key, pyramid_claims(task, options)).first;
    } else {
      (void)pyramid_task_options(task, Audience::enqueue);  // its own slice (a shard) checked too
    }
    task.claims = work->second;
  }

  // The options and detector of a work are checked with its first task; every task's inputs are looked at.
  void detect(queue::Task& task) {
    const std::size_t work = work_of(task);
    auto known = detect_works_.find(work);
    if (known == detect_works_.end())
      known = detect_works_.emplace(work, detect_task_options(task, Audience::enqueue)).first;
    const auto& options = known->second;
    // Every one, however few are opened below: a FIFO among them blocks a worker's open (a stat each, no read).
    for (const auto& input : task.inputs) refusing("detect", [&] { raster::refuse_special_file(input); });
    // A model named by a worker's path is the worker's file: the local one there (if any) is another.
    if (!open_scenes_ && options.detector == "onnx") return;
    auto& detector = detector_for(work, options);
    const bool geojson = vector::format_for_path(options.output) == vector::Format::geojson;
    for (const auto& input : task.inputs) {
      const bool first_of_directory = looked_.emplace(work, fs::path(input).parent_path().string()).second;
      if (!first_of_directory && !fs::is_directory(input)) continue;
      const auto* info = scene_info(input, "detect");
      if (info == nullptr) continue;
      // A manifest's tiles place their detections themselves, as `swath detect tiles.jsonl` requires.
      if (task.options.find("tiles") != nullptr && !info->georeferenced()) {
        const bool image = raster::keeps_no_georeferencing(input);
        refuse(Audience::enqueue, "tile '" + input + "'",
               "it has " + info->missing_georeferencing() +
                   (image ? " (PNG, JPEG and WebP tiles keep none)" : ", as its scene had none") +
                   ", so its detections cannot be placed on the map",
               image ? "enqueue the scene itself, or tile it as GTiff or COG chips (swath tile -f GTiff)"
                     : "enqueue the scene itself (with --options '{\"allow_pixel_coords\":true}' for its pixel "
                       "coordinates)");
      }
      if (!info->georeferenced() && !options.allow_pixel_coords) {
        refusing("detect", [&] { raster::require_whole(*info); });  // a cut copy, not a scene without a CRS
        refuse(Audience::enqueue, "scene '" + input + "'",
               "it has " + info->missing_georeferencing() + ", so detections cannot be placed on a map",
               "--options '{\"allow_pixel_coords\":true}' writes pixel coordinates (x = column, y = row) instead");
      }
      // Refused on a worker as by `swath detect`: a rotated grid (unless in pixel coordinates), a scene past a pole (a
      // manifest's tile may pad past one: its scene was checked when tiled). Not `refusing`: these hints are meant for
      // an enqueuer (--options), which it would take for a local command's flag and replace.
      try {
        if (!options.allow_pixel_coords) {
          raster::require_north_up(
              *info, "or --options '{\"allow_pixel_coords\":true}' writes pixel coordinates (x = column, y = row)");
        }
        if (task.options.find("tiles") == nullptr) raster::require_on_earth(*info);
      } catch (const core::DataError& e) {
        refuse(Audience::enqueue, e.subject(), e.why(), e.hint());
      }
      if (!info->georeferenced() && geojson) {
        refuse(Audience::enqueue, "scene '" + input + "'", "GeoJSON is WGS84 and the scene has pixel coordinates only",
               "write gpkg or fgb: --options '{\"output_format\":\"gpkg\"}'");
      }
      if (info->georeferenced() && geojson && !vector::reaches_wgs84(info->crs_wkt)) {
        refuse(Audience::enqueue, "scene '" + input + "'",
               "GeoJSON is WGS84 and its CRS is one PROJ cannot take there (a local one, or another planet's)",
               "write gpkg or fgb: --options '{\"output_format\":\"gpkg\"}'");
      }
      refusing("detect", [&] {
        if (!prepared_.count(input))
          prepared_.emplace(input, detect::prepare_scene(*raster::open_scene(input), input, true));
        detector.prepare(prepared_.at(input).info, prepared_.at(input).measure);
      });
    }
  }

 private:
  // A number per work: the kind and the options without the keys that slice one work (shards, manifest batches).
  // The newest first, as the tasks of one work come together; an enqueue has few works.
  std::size_t work_of(const queue::Task& task) {
    core::Json sliceless;
    const core::Json* options = &task.options;
    const auto& fields = task.options.as_object();
    if (std::any_of(fields.begin(), fields.end(), [](const auto& field) { return is_slice_key(field.first); })) {
      sliceless = core::Json::object();
      for (const auto& [key, value] : fields) {
        if (!is_slice_key(key)) sliceless.set(key, value);
      }
      options = &sliceless;
    }
    for (std::size_t i = works_.size(); i-- > 0;) {
      if (works_[i].first == task.kind && works_[i].second == *options) return i;
    }
    works_.emplace_back(task.kind, *options);
    return works_.size() - 1;
  }

  // A local scene this process may read, described once (header only); nullptr for /vsi paths and for files it
  // may not read (a worker, another user, may).
  const raster::SceneInfo* scene_info(const std::string& path, const std::string& kind) {
    if (const auto it = scenes_.find(path); it != scenes_.end()) return it->second ? &*it->second : nullptr;
    auto& slot = scenes_[path];
    if (!open_scenes_ || core::is_vsi_path(path) || ::access(path.c_str(), R_OK) != 0) return nullptr;
    refusing(kind, [&] { slot = raster::describe_scene(*raster::open_scene(path), path); });
    return &*slot;
  }

  // The detector of one option set, built once (onnx: its model loaded and checked), with the window checked.
  detect::Detector& detector_for(std::size_t work, const detect::DetectOptions& options) {
    auto& slot = detectors_[work];
    if (!slot) {
      refusing("detect", [&] {
        slot = detect::make_detector(options);
        (void)detect::with_window(options, *slot);
      });
    }
    return *slot;
  }

  struct TileWork {
    tiling::TileOptions options;
    std::vector<queue::Claim> claims;
  };
  bool open_scenes_ = true;
  std::vector<std::pair<std::string, core::Json>> works_;  // kind, options without slice keys
  std::map<std::string, TileWork> tile_works_;             // work, output and scenes → checked options and claims
  std::set<std::string> sets_checked_;  // output, options and shard count whose directory was looked at
  std::map<std::string, tiling::ListedByOtherKind> local_runs_;      // output and options → local runs' scenes there
  std::map<std::string, std::vector<queue::Claim>> pyramid_claims_;  // work, output and scenes → its claims
  std::map<std::size_t, detect::DetectOptions> detect_works_;        // work → its checked options
  std::map<std::string, std::optional<raster::SceneInfo>> scenes_;
  std::map<std::string, detect::PreparedScene> prepared_;  // detect's look at a scene: band names, pixel size
  std::map<std::size_t, std::unique_ptr<detect::Detector>> detectors_;
  std::set<std::pair<std::size_t, std::string>> looked_;  // work and directory whose first detect input was opened
};

// A checksum task writes OUT/<input's file name>.sha256: two inputs of one name into one output would overwrite
// each other's (one result lost, its done record naming bytes no longer there).
void claim_checksums(queue::Task& task) {
  for (const auto& input : task.inputs) {
    const std::string name = fs::path(input).filename().string();
    if (name.empty() || name[0] == '.') {  // a worker commits no hidden file (nor ".sha256"): it dead-lettered the task
      refuse(Audience::enqueue, "input '" + input + "'",
             "its checksum file '" + name + ".sha256' would be hidden, which a worker does not commit",
             "give the file a name that does not start with '.'");
    }
    const std::string ref = "@" + core::sha256_hex(input).substr(0, 12);
    task.claims.push_back({task.output + "/" + name + ".sha256", "checksum of " + ref, {{ref, input}}});
  }
}

}  // namespace

void check_tasks(std::vector<queue::Task>& tasks, bool open_scenes) {
  // Two scenes filed under one name: refused as `swath tile` refuses them (the output is one for all).
  std::vector<std::string> scenes;
  std::set<std::string> seen;
  for (const auto& task : tasks) {
    if (task.kind != "tile" || is_pyramid_task(task)) continue;  // a pyramid mosaics its scenes
    for (const auto& input : task.inputs) {
      if (seen.insert(input).second) scenes.push_back(input);
    }
  }
  (void)tiling::scene_names(scenes);
  Checker checker(open_scenes);
  for (auto& task : tasks) {
    stop_if_asked();  // a check may open a scene: thousands of them take a while
    if (task.kind == "tile") is_pyramid_task(task) ? checker.pyramid(task) : checker.tile(task);
    if (task.kind == "detect") checker.detect(task);
    if (task.kind == "checksum") claim_checksums(task);
  }
  (void)queue::plan_claims(tasks);  // two works of this enqueue in one place: refused before Redis is asked
}

}  // namespace swath::fleet
