// The one place detector names map to implementations.
#include "detect/factory.hpp"

#include "core/errors.hpp"
#include "core/text.hpp"
#include "detect/run.hpp"

namespace swath::detect {

std::unique_ptr<Detector> make_detector(const DetectOptions& options) {
  if (options.detector == "cfar") return std::make_unique<CfarDetector>(options.cfar);
  if (options.detector == "index") return std::make_unique<IndexDetector>(options.index);
  if (options.detector == "onnx") return std::make_unique<OnnxDetector>(options.onnx);
  const std::vector<std::string> known{"cfar", "index", "onnx"};
  const auto suggestion = core::closest_match(options.detector, known);
  throw core::UsageError(
      "--detector '" + options.detector + "'", "no such detector",
      suggestion ? "did you mean '" + *suggestion + "'? (cfar, index, onnx)" : "use cfar, index or onnx");
}

}  // namespace swath::detect
