// Detectors by name: cfar, index, onnx.
#pragma once

#include <memory>

#include "detect/detector.hpp"

namespace swath::detect {

struct DetectOptions;

// Throws UsageError naming the known detectors (with a did-you-mean) for an unknown name.
std::unique_ptr<Detector> make_detector(const DetectOptions& options);

}  // namespace swath::detect
