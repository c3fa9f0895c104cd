// One scene's windows through the ordered pipeline: read (blocks shared between neighbours), detect, map.
#pragma once

#include <cstdint>
#include <vector>

#include "detect/detection.hpp"
#include "detect/inputs.hpp"
#include "detect/run.hpp"
#include "detect/scene_setup.hpp"

namespace swath::detect {

struct Scene {
  InputScene input;
  PreparedScene prepared;
};

// Adds the scene's detections, in the scene's order of windows, to `found`; its failed windows to the report.
void detect_scene(const Scene& scene, const Detector& detector, const DetectOptions& options, DetectReport& report,
                  std::vector<Detection>& found);

// Says how far the run got, then throws core::Interrupted: nothing is written.
[[noreturn]] void throw_interrupted(std::int64_t windows_done);

}  // namespace swath::detect
