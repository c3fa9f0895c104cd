// `swath tile SCENE... -o DIR`: flags → tiling::TileOptions → tiling::tile_scenes → summary and exit code.
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "fleet/options.hpp"
#include "tiling/tile.hpp"

namespace swath::commands {

namespace {

class TileCommand final : public cli::Command {
 public:
  std::string name() const override { return "tile"; }
  std::string summary() const override { return "Cut scenes into fixed-size tiles with a manifest (parallel, resumable)"; }

  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app.add_option("scenes", scenes_, "Rasters GDAL can read (local or /vsicurl/, /vsis3/, /vsizip/ paths)")->required();
    app.add_option("-o,--output", output_, "Output directory (tiles, tiles.jsonl, tiles.geojson; tiles.shard-I-of-N.* with --shard)")->required();
    flags.bind(app, "--size", "tile.size", "Tile width and height in pixels");
    flags.bind(app, "--overlap", "tile.overlap", "Pixels shared by neighbouring tiles");
    flags.bind(app, "--edge", "tile.edge", "Edge tiles: pad (with nodata; GTiff/COG mark 0 as nodata when the scene has none) or shrink");
    flags.bind(app, "-f,--format", "tile.format", "GTiff, COG, PNG, JPEG or WEBP");
    app.add_option("--co", creation_options_, "Creation option KEY=VALUE for the output driver (repeatable)");
    flags.bind(app, "--bands", "tile.bands", "Bands to write, 1-based, e.g. 3,2,1");
    flags.bind(app, "--scale", "tile.scale", "Non-Byte to Byte for PNG/JPEG/WEBP: auto or MIN,MAX");
    flags.bind(app, "--skip-blank", "tile.skip_blank", "Skip tiles at least this blank (nodata/alpha); 0: never");
    flags.bind(app, "--shard", "tile.shard", "I/N: this process takes the I-th of N shares of the tiles");
    flags.bind(app, "--threads", "run.threads", "Worker threads (0: one per core)");
    flags.bind(app, "--max-memory", "run.max_memory", "Memory for tiles in flight, e.g. 256MiB");
    app.add_flag("--resume", resume_, "Keep tiles of a previous run whose manifest line and file hash match");
    app.add_flag("--overwrite", overwrite_, "Replace the tiles of a run with other options in the output directory");
    app.add_flag("--json", json_, "Print the run summary as JSON on stdout");
  }

  int run(const cli::Invocation& invocation) override {
    const auto& config = invocation.config;
    tiling::TileOptions options = fleet::tile_options_from(config);  // the fleet's tile tasks use the same mapping
    options.scenes = scenes_;
    options.output_dir = output_;
    if (!creation_options_.empty()) options.creation_options = creation_options_;
    options.resume = resume_;
    options.overwrite = overwrite_;

    const auto progress = cli::make_progress();
    const auto report = tiling::tile_scenes(options, progress.get());
    if (json_) cli::emit(tiling::report_json(report).dump() + "\n");
    return static_cast<int>(report.failed > 0 ? core::ExitCode::partial : core::ExitCode::ok);
  }

 private:
  std::vector<std::string> scenes_;
  std::string output_;
  std::vector<std::string> creation_options_;
  bool resume_ = false;
  bool overwrite_ = false;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_tile() { return std::make_unique<TileCommand>(); }

}  // namespace swath::commands
