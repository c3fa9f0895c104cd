// `swath tile SCENE... -o DIR`: flags → tiling::TileOptions → tiling::tile_scenes → summary and exit code.
#include "tiling/tile.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "webmap/merge.hpp"
#include "webmap/pyramid.hpp"

namespace swath::commands {

namespace {

class TileCommand final : public cli::Command {
 public:
  std::string name() const override { return "tile"; }
  std::string summary() const override {
    return "Cut scenes into fixed-size tiles with a manifest (parallel, resumable)";
  }

  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app.add_option("scenes", scenes_,
                   "Rasters GDAL can read (local or /vsicurl/, /vsis3/, /vsizip/ paths); optional with --merge-shards");
    app.add_option(
        "-o,--output", output_,
        "Output directory (tiles, tiles.jsonl, tiles.geojson; tiles.shard-I-of-N.* with --shard; {z}/{x}/{y} and tilejson.json with --grid xyz), or OUT.pmtiles with --grid xyz");
    flags.bind(app, tiling::tile_table().specs());
    flags.bind(app, webmap::webmap_table().specs());
    flags.bind(app, pipeline::resources_table().specs());
    app.add_flag("--resume", resume_, "Keep tiles of a previous run whose manifest line and file hash match");
    app.add_flag("--overwrite", overwrite_, "Replace the tiles of a run with other options in the output directory");
    app.add_option("--merge-shards", merge_,
                   "xyz: build the zooms above the shards' split zoom from their tiles in DIR, then its tiles.jsonl "
                   "and tilejson.json, as one machine would (the shards' options; -o OUT.pmtiles: also that archive)");
    app.add_flag("--json", json_, "Print the run summary as JSON on stdout");
  }

  int run(const cli::Invocation& invocation) override {
    webmap::refuse_other_grid_flags(invocation.config);
    auto pyramid = webmap::pyramid_options_from(invocation.config);
    if (pyramid.webmap.grid == webmap::GridKind::xyz && !merge_.empty()) return run_merge(std::move(pyramid));
    if (!merge_.empty()) {
      throw core::UsageError("--merge-shards", "it merges the shards of a web-map pyramid", "add --grid xyz");
    }
    if (scenes_.empty())
      throw core::UsageError("scenes", "none given", "name at least one raster: swath tile SCENE -o DIR");
    if (output_.empty()) throw core::UsageError("-o", "no output directory given", "pass -o DIR");
    if (pyramid.webmap.grid == webmap::GridKind::xyz) return run_pyramid(std::move(pyramid));
    if (webmap::is_archive_path(output_)) {
      throw core::UsageError("-o '" + output_ + "'", "a PMTiles archive holds a web-map pyramid, not chips",
                             "add --grid xyz, or pass -o DIR for chips");
    }
    tiling::TileOptions options = tiling::options_from(invocation.config);  // as a fleet tile task's are built
    options.scenes = scenes_;
    options.output_dir = output_;
    options.resume = resume_;
    options.overwrite = overwrite_;

    const auto progress = cli::make_progress();
    const auto report = tiling::tile_scenes(options, progress.get());
    if (json_) cli::emit(tiling::to_json(report).dump() + "\n");
    return static_cast<int>(report.failed > 0 ? core::ExitCode::partial : core::ExitCode::ok);
  }

 private:
  int run_pyramid(webmap::PyramidOptions options) {
    options.tile.scenes = scenes_;
    if (webmap::is_archive_path(output_)) core::refuse_output_is_input("-o", output_, scenes_);
    (webmap::is_archive_path(output_) ? options.archive : options.tile.output_dir) = output_;
    options.tile.resume = resume_;
    options.tile.overwrite = overwrite_;
    const auto progress = cli::make_progress();
    const auto report = webmap::build_pyramid(options, progress.get());
    if (json_) cli::emit(tiling::to_json(report).dump() + "\n");
    return static_cast<int>(report.failed > 0 ? core::ExitCode::partial : core::ExitCode::ok);
  }

  int run_merge(webmap::PyramidOptions options) {
    if (webmap::is_archive_path(output_)) {
      options.archive = output_;
    } else if (!output_.empty() && output_ != merge_) {
      throw core::UsageError("-o '" + output_ + "' with --merge-shards '" + merge_ + "'",
                             "the merge writes into the shards' directory (or, besides, one OUT.pmtiles archive)",
                             "leave -o out, or pass the same directory, or -o OUT.pmtiles");
    }
    if (options.sharded || resume_ || overwrite_) {
      throw core::UsageError("--merge-shards", "--shard, --resume and --overwrite are for the shards' runs",
                             "leave them out of the merge");
    }
    options.tile.scenes = scenes_;
    const auto progress = cli::make_progress();
    const auto report = webmap::merge_shards(options, merge_, progress.get());
    if (json_) cli::emit(tiling::to_json(report).dump() + "\n");
    return static_cast<int>(core::ExitCode::ok);
  }

  std::vector<std::string> scenes_;
  std::string merge_;
  std::string output_;
  bool resume_ = false;
  bool overwrite_ = false;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_tile() { return std::make_unique<TileCommand>(); }

}  // namespace swath::commands
