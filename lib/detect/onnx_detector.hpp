// `onnx` detector: a YOLOv5-style object detection model run with OpenCV's dnn module, one network per
// thread, letterboxed input; class names, thresholds and input size come from a YAML model card.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "detect/detector.hpp"
#include "detect/model_card.hpp"

namespace swath::detect {

struct OnnxOptions {
  std::string card;             // the model card (YAML) naming the .onnx beside it
  double score_threshold = -1;  // < 0: the card's
};

class OnnxDetector final : public Detector {
 public:
  // Loads the card and the model once (to check them); throws IoError / DataError with the reason.
  explicit OnnxDetector(OnnxOptions options);
  ~OnnxDetector() override;
  std::string name() const override { return "onnx"; }
  void prepare(const raster::SceneInfo& scene, const SceneMeasure& measure) override;
  std::vector<int> bands(const SceneMeasure&) const override;
  std::int64_t preferred_window() const override;
  double seam_slack() const override { return 1; }
  double inference_seconds() const override;
  GDALDataType read_type() const override { return GDT_Byte; }
  std::vector<Candidate> detect(const WindowPixels& pixels, const SceneMeasure& measure) const override;
  core::Json options_json() const override;
  const ModelCard& card() const { return card_; }

 private:
  struct Nets;
  OnnxOptions options_;
  ModelCard card_;
  std::unique_ptr<Nets> nets_;
};

}  // namespace swath::detect
