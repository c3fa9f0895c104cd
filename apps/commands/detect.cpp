// `swath detect SCENE... --detector NAME -o OUT [--threads N]` and `swath detect --check-model CARD`.
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "detect/model_card.hpp"
#include "detect/run.hpp"

namespace swath::commands {

namespace {

std::string summary_text(const detect::DetectReport& r) {
  // Names as the terminal should show them: a newline or an escape sequence in a file name is written out (\n).
  std::string out = "wrote " + core::visible(r.output) + ": " + std::to_string(r.detections) + " detections (" +
                    std::to_string(r.raw_detections) + " before merging) from " + std::to_string(r.windows) +
                    " windows of " + (r.tiles > 0 ? std::to_string(r.tiles) + " tiles of " : "") +
                    std::to_string(r.scenes) + " scene(s) with " + r.detector + "\n";
  for (const auto& f : r.failures) out += "failed: " + core::visible(f) + "\n";
  return out;
}

class DetectCommand final : public cli::Command {
 public:
  std::string name() const override { return "detect"; }
  std::string summary() const override {
    return "Find objects in scenes window by window and write them as map features";
  }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app.add_option("scenes", inputs_, "Scenes (GeoTIFF, any GDAL raster) or tiles.jsonl manifests from swath tile");
    app.add_option("-o,--output", output_, "Output: .gpkg or .fgb (the scene's CRS), .geojson (WGS84)");
    app.add_option("--check-model", check_model_,
                   "Load a model card and its ONNX model, report input and output layout, and exit");
    app.add_option("--quicklook", quicklook_, "Also write a PNG of the scene with the detections drawn");
    app.add_flag("--allow-pixel-coords", allow_pixel_coords_, "Accept scenes without a CRS; write pixel coordinates");
    app.add_flag("--json", json_, "Print the report as JSON");
    flags.bind(app, detect::detect_table().specs());
    flags.bind(app, pipeline::resources_table().specs());
  }
  int run(const cli::Invocation& invocation) override {
    if (!check_model_.empty()) {
      if (!inputs_.empty() || !output_.empty()) {
        throw core::UsageError("--check-model with scenes or -o", "it checks a model card alone, detecting nothing",
                               "run it on its own, then detect with --detector onnx --model CARD");
      }
      const auto check = detect::check_model(detect::load_model_card(check_model_));
      cli::emit(detect::to_json(check).dump() + "\n");
      return static_cast<int>(core::ExitCode::ok);
    }
    if (output_.empty())
      throw core::UsageError("-o", "an output file is required", "swath detect scene.tif -o detections.gpkg");
    auto options = detect::options_from(invocation.config);  // as a fleet detect task's are built
    options.inputs = inputs_;
    options.output = output_;
    options.quicklook = quicklook_;
    options.allow_pixel_coords = allow_pixel_coords_;
    const auto report = detect::detect_scenes(options);
    cli::emit(json_ ? detect::to_json(report).dump() + "\n" : summary_text(report));
    return static_cast<int>(report.failures.empty() ? core::ExitCode::ok : core::ExitCode::partial);
  }

 private:
  std::vector<std::string> inputs_;
  std::string output_, check_model_, quicklook_;
  bool allow_pixel_coords_ = false, json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_detect() { return std::make_unique<DetectCommand>(); }

}  // namespace swath::commands
