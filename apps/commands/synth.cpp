// `swath synth -o SCENE.tif [--seed N] [--kind sar|optical] [--size WxH]`: a seeded synthetic scene and its truth.
#include "synth/synth.hpp"
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"

namespace swath::commands {

namespace {

std::string count_text(std::int64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

class SynthCommand final : public cli::Command {
 public:
  std::string name() const override { return "synth"; }
  std::string summary() const override {
    return "Write a deterministic synthetic scene (SAR ships or optical vehicles) and its truth";
  }
  void declare(CLI::App& app, cli::ConfigFlags&) override {
    app.add_option("-o,--output", options_.output, "Scene to write (GeoTIFF); the truth goes to SCENE.truth.geojson")
        ->required()
        ->check(cli::file_to_write(false));
    app.add_option("--seed", options_.seed, "Seed: the same seed gives the same bytes (default 1)")
        ->transform(cli::at_least(0, "", UINT64_MAX));
    app.add_option(
        "--kind", kind_,
        "sar (uint16 sea clutter with ships, the default) or optical (3-band uint8 land with cars and trucks)");
    app.add_option("--size", size_, "WIDTHxHEIGHT in pixels (default 2048x2048 for sar, 1024x1024 for optical)");
    app.add_option("--bands", options_.bands,
                   "Optical: 3 (RGB, the default) or 4 (RGB + NIR, with ponds of class water)")
        ->transform(cli::at_least(1, "", 1000));
    app.add_option("--objects", options_.objects,
                   "Number of ships or vehicles (default: from the area; --bands 4 adds ponds)")
        ->transform(cli::at_least(0, "leave --objects out for a count from the area"));
    app.add_option("--straddle", options_.straddle_window,
                   "Place every object across an edge of this window grid (pixels)")
        ->transform(cli::at_least(0));
    app.add_option("--straddle-overlap", options_.straddle_overlap, "Overlap of that window grid (pixels)")
        ->transform(cli::at_least(0));
    app.add_flag("--json", json_, "Print JSON for machines");
  }
  int run(const cli::Invocation&) override {
    options_.kind = synth::parse_kind(kind_);
    const auto [w, h] = synth::parse_size(!size_.empty()                      ? size_
                                          : options_.kind == synth::Kind::sar ? "2048x2048"
                                                                              : "1024x1024");
    options_.width = w;
    options_.height = h;
    const auto result = synth::synthesize(options_);
    cli::emit(json_ ? synth::to_json(result).dump() + "\n"
                    : "wrote " + core::visible(result.scene_path) + " and " + core::visible(result.truth_path) + " (" +
                          count_text(result.objects, "object") +
                          (result.ponds > 0 ? " and " + count_text(result.ponds, "pond") : "") + ")\n");
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  synth::SynthOptions options_;
  std::string kind_ = "sar";
  std::string size_;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_synth() { return std::make_unique<SynthCommand>(); }

}  // namespace swath::commands
