// Placeholder until the OpenCV implementation lands.
#include "detect/onnx_detector.hpp"

#include "core/errors.hpp"

namespace swath::detect {

struct OnnxDetector::Nets {};

OnnxDetector::OnnxDetector(OnnxOptions options) : options_(std::move(options)) {
  throw core::UsageError("--detector onnx", "not implemented yet");
}
OnnxDetector::~OnnxDetector() = default;
void OnnxDetector::prepare(const raster::SceneInfo&, const SceneMeasure&) {}
std::vector<int> OnnxDetector::bands() const { return card_.bands; }
std::vector<Candidate> OnnxDetector::detect(const WindowPixels&, const SceneMeasure&) const { return {}; }
core::Json OnnxDetector::options_json() const { return {}; }
ModelCard load_model_card(const std::string&) { return {}; }
ModelCheck check_model(const ModelCard&) { return {}; }
core::Json ModelCheck::to_json() const { return {}; }

}  // namespace swath::detect
