// tile_scenes: check → prepare the output → prepare scenes → plan → run the pipeline → commit the manifest.
#include "tiling/tile.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "log/context.hpp"
#include "log/logger.hpp"
#include "provenance/provenance.hpp"
#include "raster/fingerprint.hpp"
#include "tiling/inputs_in_output.hpp"
#include "tiling/listed_elsewhere.hpp"
#include "tiling/manifest.hpp"
#include "tiling/other_runs.hpp"
#include "tiling/plan.hpp"
#include "tiling/resume.hpp"
#include "tiling/scene_setup.hpp"
#include "tiling/tile_pipeline.hpp"

namespace swath::tiling {

namespace fs = std::filesystem;

namespace {

std::vector<TileScene> prepare_scenes(const TileOptions& options, const std::string& provenance) {
  const auto names = scene_names(options.scenes);
  refuse_scene_names(options, names, {}, "tile");
  std::vector<TileScene> scenes;
  for (std::size_t i = 0; i < options.scenes.size(); ++i) {
    log::Scope scope{{"scene", names[i]}};
    scenes.push_back(prepare_scene(options.scenes[i], names[i], options, provenance,
                                   i < options.scene_fingerprints.size() ? options.scene_fingerprints[i] : ""));
    for (const auto& warning : scenes.back().warnings) log::get("tile")->warn("{}", warning);
    if (!scenes.back().look.padding_nodata.empty()) {
      log::get("tile")->info("scene '{}' has no nodata value: padded edge tiles declare nodata 0 for their padding",
                             options.scenes[i]);
    }
  }
  return scenes;
}

void prepare_output(const TileOptions& options, const std::vector<TileScene>& scenes) {
  core::ensure_writable_directory(options.output_dir);
  core::remove_stale_temporaries(options.output_dir);
  for (const auto& scene : scenes) {
    core::ensure_writable_directory(options.output_dir + "/" + scene.name);
    core::remove_stale_temporaries(options.output_dir + "/" + scene.name);
  }
}

std::int64_t plan_count(const std::vector<TileScene>& scenes, const Selection& selection) {
  std::int64_t planned = 0;
  for (const auto& scene : scenes)
    planned += selection.count_in(scene.grid.count());  // indices checked by prepare_scene
  return planned;
}

core::Json header_json(const TileOptions& options, const core::Json& output_options,
                       const std::vector<TileScene>& scenes, const core::Json& provenance) {
  core::Json list = core::Json::array();
  for (const auto& scene : scenes) {
    list.push_back(scene_header_json(scene.name, scene.path, scene.info));
    list.as_array().back().set("rows", scene.grid.rows());
    list.as_array().back().set("columns", scene.grid.columns());
    if (scene.fingerprint) list.as_array().back().set("fingerprint", *scene.fingerprint);
    if (!scene.look.padding_nodata.empty()) list.as_array().back().set("padding_nodata", 0);
    if (scene.scale) {  // the range each output band was scaled from onto 0..255, the same for every tile and shard
      core::Json ranges = core::Json::array();
      for (const auto& r : scene.ranges) ranges.push_back(core::Json::Array{r.min, r.max});
      list.as_array().back().set("scale_ranges", std::move(ranges));
    }
  }
  core::Json header = core::Json::Object{{"schema", "swath.tiles/1"},
                                         {"provenance", provenance},
                                         {"options", output_options},
                                         {"scenes", std::move(list)}};
  if (options.shard.count > 1) {
    header.set("shard", std::to_string(options.shard.index) + "/" + std::to_string(options.shard.count));
  }
  for (const auto& [key, value] : options.header_labels.as_object()) header.set(key, value);
  return header;
}

// Whether `path` (relative to the output directory) is a tile this run, any shard of it, may write: one of its
// scenes, a cell of that scene's grid, this run's format.
bool in_this_run(const std::string& path, const std::vector<TileScene>& scenes, Format format) {
  const auto cell = tile_cell_of(path);
  if (!cell) return false;
  for (const auto& scene : scenes) {
    if (cell->scene != scene.name) continue;
    return cell->row < scene.grid.rows() && cell->col < scene.grid.columns() &&
           path == tile_relative_path(scene.name, scene.grid.at(cell->row * scene.grid.columns() + cell->col), format);
  }
  return false;
}

void replace_other_runs(const OtherRuns& others, const TileOptions& options, const std::vector<TileScene>& scenes,
                        TileReport& report) {
  const auto logger = log::get("tile");
  // Names this run's shards write (all of them: a shard never removes what another may have just committed);
  // an other run's file of such a name is replaced by the shard that owns it.
  const std::set<std::string> kept = run_file_names(options);
  const auto removed =
      others.remove([&](const std::string& path) { return in_this_run(path, scenes, options.format); }, kept);
  report.removed = removed.tiles;
  for (const auto& warning : removed.warnings) {
    report.warnings.push_back(warning);
    logger->warn("{}", warning);
  }
  std::string files;
  for (const auto& f : removed.files) files += (files.empty() ? "" : ", ") + f;
  logger->info("--overwrite: replaced the tiles of another run (other options or scenes): {} tile(s) removed{}{}",
               removed.tiles, files.empty() ? "" : ", and ", files);
}

// An --overwrite run: other runs' manifests list tiles this run is replacing, so an interrupted run must not leave
// them there, looking complete (the shards of a run replaced by a whole one too, not only the manifest of this run's
// name). Each is kept hidden, as a journal: a later run still finds that other run (the tiles to remove), and this
// run removes it once its own manifest is in place. Their indexes go now. Returns the hidden names.
std::vector<std::string> hide_replaced_manifests(const OtherRuns& others, const TileOptions& options) {
  std::vector<std::string> hidden;
  // The journal of this run's own name is another run's too when it holds another run's header (a stopped run of
  // other options, or the manifest such a run retired): this run would write over it, so it is set aside as well.
  const std::string own_journal = "." + shard_file_name(options.manifest_name, options.shard) + ".journal";
  for (const auto& found : others.found()) {
    if (found.file.empty() || (found.file[0] == '.' && found.file != own_journal)) continue;  // hidden already
    const bool journal = found.file == own_journal;
    // "tiles" of "tiles.jsonl" or of ".tiles.jsonl.journal"
    const std::string stem =
        journal ? found.file.substr(1, found.file.size() - 15) : found.file.substr(0, found.file.size() - 6);
    // Never over one set aside before (a run killed after its commit): that run's tiles are listed only there.
    std::string to = "." + stem + ".replaced.jsonl.journal";
    for (int n = 2; fs::exists(options.output_dir + "/" + to); ++n)
      to = "." + stem + ".replaced-" + std::to_string(n) + ".jsonl.journal";
    std::error_code ec;
    fs::rename(options.output_dir + "/" + found.file, options.output_dir + "/" + to, ec);
    if (ec) {
      throw core::IoError("cannot set aside '" + options.output_dir + "/" + found.file + "'", ec.message(),
                          "check the output directory's permissions");
    }
    fs::remove(options.output_dir + "/" + stem + ".geojson", ec);
    hidden.push_back(to);
  }
  return hidden;
}

PreviousRun load_previous_run(const TileOptions& options, const core::Json& header, TileReport& report) {
  const auto logger = log::get("tile");
  auto previous = PreviousRun::load(options.output_dir, shard_file_name(options.manifest_name, options.shard), header);
  logger->info("resume: {} tile record(s) from the previous run to check", previous.size());
  if (previous.ignored_files() > 0) {
    report.warnings.push_back("resume: a previous manifest was made with other options; its tiles are redone");
    logger->warn("{}", report.warnings.back());
  }
  for (const auto& name : previous.changed_scenes()) {
    report.warnings.push_back("resume: scene '" + name +
                              "' differs from the previous run's (size, bands, type or content); its tiles are redone");
    logger->warn("{}", report.warnings.back());
  }
  return previous;
}

}  // namespace

TileReport tile_scenes(const TileOptions& options, pipeline::ProgressSink* progress) {
  validate(options);
  const auto names = scene_names(options.scenes);
  refuse_scenes_in_output(options.scenes, options.output_dir, names, false, options.overwrite);
  const auto logger = log::get("tile");
  const core::Json output_options = output_options_json(options);
  const core::Json record = provenance::provenance_json(provenance::hash_options(output_options));
  auto scenes = prepare_scenes(options, record.dump());
  const Selection selection(options.shard, options.only_indices);

  TileReport report;
  report.planned = plan_count(scenes, selection);
  for (const auto& scene : scenes)
    report.warnings.insert(report.warnings.end(), scene.warnings.begin(), scene.warnings.end());
  const core::Json header = header_json(options, output_options, scenes, record);
  std::optional<OtherRuns> others;
  std::optional<PreviousRun> previous;
  std::vector<std::string> hidden;
  std::optional<ManifestWriter> writer;
  {
    // Before anything is written: a run with other options there is refused without --overwrite, and so are the
    // shards of another count. Under the directory's lock until this run's journal is down, so that of two runs
    // started at once the second finds the first.
    const core::DirectoryLock lock(options.output_dir);
    refuse_foreign_manifest(options.output_dir, shard_file_name(options.manifest_name, options.shard));
    others = OtherRuns::find(options.output_dir, options.manifest_name, header, options.overwrite,
                             shard_file_name(options.manifest_name, options.shard));
    std::set<std::string> replaced;
    for (const auto& found : others->found()) replaced.insert(found.file);
    refuse_other_shard_counts(options.output_dir, options.manifest_name, options.shard.count,
                              "run every shard with one count, or choose another -o, or remove that run's manifests "
                              "first: --overwrite replaces only a run of other options",
                              replaced, true);
    ListedByOtherKind::find(options.output_dir, options.manifest_name, header,
                            is_fleet_manifest_name(options.manifest_name))
        .refuse(names, "choose another -o, or remove that manifest, its .geojson and the scene's tiles first");
    prepare_output(options, scenes);
    if (options.resume) previous = load_previous_run(options, header, report);
    hidden = hide_replaced_manifests(*others, options);
    writer.emplace(options.output_dir, shard_file_name(options.manifest_name, options.shard),
                   shard_file_name(options.index_name, options.shard), header, options.resume, options.format);
  }
  ManifestWriter& manifest = *writer;
  logger->info("tiling {} scene(s) into {} tile(s) of {} px in '{}'", scenes.size(), report.planned, options.grid.size,
               options.output_dir);

  const TileRun run{scenes, options, selection, previous ? &*previous : nullptr, manifest, progress};
  if (!run_tile_pipeline(run, report)) {
    // Also reached by a fleet task (it asks for the files' report) whose lease was lost or whose grace ran out:
    // its staging goes, the task runs again whole; --resume is for a user at a shell.
    if (options.report_files) {
      // Not "it runs again": a hung task's last attempt is dead-lettered next; the worker says which.
      logger->warn("stopped after {} tile(s): this attempt's files are discarded", report.written + report.reused);
    } else {
      logger->warn("stopped after {} tile(s), each complete (`swath tile --resume` keeps them)",
                   report.written + report.reused);
    }
    throw core::Interrupted("tiling interrupted",
                            options.report_files ? "" : "the same command with --resume keeps the tiles made");
  }
  for (const auto& scene : scenes) refuse_changed_since(scene.path, scene.stamp, options.report_files);
  manifest.commit();
  if (!others->found().empty()) replace_other_runs(*others, options, scenes, report);
  for (const auto& name : hidden) ::unlink((options.output_dir + "/" + name).c_str());
  report.manifest_path = manifest.manifest_path();
  report.index_path = manifest.index_path();
  logger->info("{} written, {} kept, {} blank, {} failed in {:.1f} s", report.written, report.reused, report.blank,
               report.failed, report.seconds);
  refuse_if_nothing_made(report, report.written + report.reused + report.blank, !options.report_files);
  return report;
}

void refuse_if_nothing_made(const TileReport& report, std::int64_t made, bool manifest_kept) {
  if (report.failed == 0 || made > 0) return;
  // A fleet task's manifest is in its staging directory, which goes with the failed task: not named.
  const std::string listed = manifest_kept ? "; '" + report.manifest_path + "' lists why each failed" : "";
  // The first failure's own hint says what to check: it is this error's hint (`--json` has it apart).
  const auto [first, hint] = core::split_hint(report.failures.front());
  throw core::DataError("no tile could be made (" + std::to_string(report.failed) + " failed" + listed + ")",
                        "the first: " + first, hint);
}

core::Json to_json(const TileReport& r) {
  core::Json warnings = core::Json::array();
  for (const auto& w : r.warnings) warnings.push_back(w);
  core::Json failures = core::Json::array();
  for (const auto& f : r.failures) failures.push_back(f);
  core::Json out = core::Json::Object{{"schema", "swath.tile.summary/1"},
                                      {"planned", r.planned},
                                      {"written", r.written},
                                      {"skipped", r.skipped()},
                                      {"failed", r.failed},
                                      {"skipped_blank", r.blank},
                                      {"skipped_resumed", r.reused},
                                      {"removed", r.removed},
                                      {"bytes", r.bytes},
                                      {"seconds", r.seconds},
                                      {"megapixels_per_second", r.megapixels_per_second()},
                                      {"manifest", r.manifest_path},
                                      {"index", r.index_path.empty() ? core::Json() : core::Json(r.index_path)},
                                      {"warnings", std::move(warnings)},
                                      {"failures", std::move(failures)}};
  const TileStages& st = r.stages;
  core::Json stages = core::Json::Object{};
  for (const auto& [name, time] : {std::pair{"read", st.read},
                                   {"encode", st.encode},
                                   {"hash", st.hash},
                                   {"sink", st.sink},
                                   {"queue_wait", st.queue_wait},
                                   {"write", st.write},
                                   {"writer_idle", st.writer_idle},
                                   {"drain", st.drain}}) {
    stages.set(name, core::Json::Object{{"wall", time.wall}, {"cpu", time.cpu}});
  }
  stages.set("writers", static_cast<std::int64_t>(st.writers));
  // A pyramid does not clock its stages: null, not zeros that read as "took no time".
  const bool measured = st.writers > 0 || st.read.wall > 0 || st.encode.wall > 0 || st.sink.wall > 0;
  out.set("stages", measured ? std::move(stages) : core::Json());
  if (!r.files.empty()) {
    core::Json files = core::Json::array();
    for (const auto& f : r.files) files.push_back(f.path);
    out.set("files", std::move(files));
  }
  return out;
}

}  // namespace swath::tiling
