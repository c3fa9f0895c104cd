// `--quicklook out.png`: the scene downsampled (longest side ≤ 1024 px) with the detections drawn.
#pragma once

#include <string>
#include <vector>

#include "detect/detection.hpp"
#include "detect/scene_setup.hpp"

namespace swath::detect {

// Draws the detections of scene `label`. Writes atomically; throws IoError.
void write_quicklook(const std::string& png, const std::string& scene_path, const PreparedScene& scene,
                     const std::vector<Detection>& detections, const std::string& label);

}  // namespace swath::detect
