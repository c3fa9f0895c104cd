// `swath detect SCENE... --detector NAME -o OUT [--threads N]` and `swath detect --check-model CARD`.
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "detect/model_card.hpp"
#include "detect/run.hpp"
#include "fleet/options.hpp"

namespace swath::commands {

namespace {

std::string summary_text(const detect::DetectReport& r) {
  std::string out = "wrote " + r.output + ": " + std::to_string(r.detections) + " detections (" + std::to_string(r.raw_detections) +
                    " before merging) from " + std::to_string(r.windows) + " windows of " + std::to_string(r.scenes) +
                    " scene(s) with " + r.detector + "\n";
  for (const auto& f : r.failures) out += "failed: " + f + "\n";
  return out;
}

class DetectCommand final : public cli::Command {
 public:
  std::string name() const override { return "detect"; }
  std::string summary() const override { return "Find objects in scenes window by window and write them as map features"; }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app.add_option("scenes", inputs_, "Scenes (GeoTIFF, any GDAL raster) or tiles.jsonl manifests from swath tile");
    app.add_option("-o,--output", output_, "Output: .gpkg or .fgb (the scene's CRS), .geojson (WGS84)");
    app.add_option("--check-model", check_model_, "Load a model card and its ONNX model, report input and output layout, and exit");
    app.add_option("--quicklook", quicklook_, "Also write a PNG of the scene with the detections drawn");
    app.add_flag("--allow-pixel-coords", allow_pixel_coords_, "Accept scenes without a CRS; write pixel coordinates");
    app.add_flag("--json", json_, "Print the report as JSON");
    flags.bind(app, "--detector", "detect.detector", "Detector: cfar, index or onnx");
    flags.bind(app, "--threads", "run.threads", "Worker threads (0: one per core)");
    flags.bind(app, "--window", "detect.window", "Window size in pixels");
    flags.bind(app, "--overlap", "detect.overlap", "Overlap of neighbouring windows in pixels");
    flags.bind(app, "--merge", "detect.merge", "merge or nms");
    flags.bind(app, "--merge-metric", "detect.merge_metric", "ios or iou");
    flags.bind(app, "--merge-threshold", "detect.merge_threshold", "Overlap at which detections are one object");
    flags.bind_switch(app, "--merge-across-classes", "detect.merge_across_classes", "Merge across classes");
    flags.bind(app, "--pfa", "detect.cfar_pfa", "CFAR false-alarm rate");
    flags.bind(app, "--guard", "detect.cfar_guard", "CFAR guard half-size");
    flags.bind(app, "--background", "detect.cfar_background", "CFAR background half-size");
    flags.bind(app, "--cfar-units", "detect.cfar_units", "metres or pixels");
    flags.bind(app, "--cfar-join", "detect.cfar_join", "CFAR: pixels within this distance are one object");
    flags.bind(app, "--cfar-min-score", "detect.cfar_min_score", "CFAR: smallest object score");
    flags.bind(app, "--min-size", "detect.min_size_m", "CFAR smallest object in metres");
    flags.bind(app, "--max-size", "detect.max_size_m", "CFAR largest object in metres");
    flags.bind(app, "--index", "detect.index", "ndvi, ndwi or an expression over named bands");
    flags.bind(app, "--index-threshold", "detect.index_threshold", "Index threshold");
    flags.bind(app, "--index-bands", "detect.index_bands", "NAME=BAND,... for unnamed bands");
    flags.bind(app, "--index-class", "detect.index_class", "Class name of index regions");
    flags.bind(app, "--min-area", "detect.index_min_area_m2", "Index smallest region in m²");
    flags.bind(app, "--model", "detect.model", "ONNX model card (YAML)");
    flags.bind(app, "--score-threshold", "detect.score_threshold", "ONNX minimum score");
  }
  int run(const cli::Invocation& invocation) override {
    if (!check_model_.empty()) {
      const auto check = detect::check_model(detect::load_model_card(check_model_));
      cli::emit(check.to_json().dump() + "\n");
      return static_cast<int>(core::ExitCode::ok);
    }
    if (output_.empty()) throw core::UsageError("-o", "an output file is required", "swath detect scene.tif -o detections.gpkg");
    auto options = fleet::detect_options_from(invocation.config);  // the fleet's detect tasks use the same mapping
    options.inputs = inputs_;
    options.output = output_;
    options.quicklook = quicklook_;
    options.allow_pixel_coords = allow_pixel_coords_;
    const auto report = detect::detect_scenes(options);
    cli::emit(json_ ? report.to_json().dump() + "\n" : summary_text(report));
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
