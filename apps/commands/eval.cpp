// `swath eval DETECTIONS TRUTH [--classes A,B] [--json]`: precision, recall, F1 and AP@0.5 per class and overall.
#include "eval/eval.hpp"
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "log/logger.hpp"

namespace swath::commands {

namespace {

class EvalCommand final : public cli::Command {
 public:
  std::string name() const override { return "eval"; }
  std::string summary() const override {
    return "Score detections against ground truth: precision, recall, F1, AP@0.5";
  }
  void declare(CLI::App& app, cli::ConfigFlags&) override {
    app.add_option("detections", detections_, "Detections (any OGR vector file with class and score)")->required();
    app.add_option("truth", truth_, "Ground truth (e.g. SCENE.truth.geojson from swath synth)")->required();
    app.add_option("--iou", iou_, "IoU at which a detection matches a truth box (default 0.5)")
        ->check(cli::between(0.01, 1.0));
    app.add_option("--classes", classes_,
                   "Score only these classes (comma-separated); boxes of others, in either file, are left out")
        ->delimiter(',')
        ->allow_extra_args(false);  // one list per --classes: was every word after it, the truth file too
    app.add_flag("--json", json_, "Print JSON: precision, recall, f1, ap50 overall and per class");
    app.add_option("-o,--output", output_, "Write to this file (atomically) instead of stdout")
        ->check(cli::file_to_write());
  }
  int run(const cli::Invocation&) override {
    core::refuse_output_is_input("-o", output_, {detections_, truth_});
    const auto report = eval::evaluate_files(detections_, truth_, iou_, classes_);
    for (const auto& warning : report.warnings) log::get("eval")->warn("{}", warning);
    cli::emit(json_ ? eval::to_json(report).dump() + "\n" : eval::to_text(report), output_);
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  std::string detections_, truth_, output_;
  std::vector<std::string> classes_;
  double iou_ = 0.5;
  bool json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_eval() { return std::make_unique<EvalCommand>(); }

}  // namespace swath::commands
