// `--quicklook out.png`: the scene downsampled (longest side ≤ 1024 px) with the detections drawn.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "detect/detection.hpp"
#include "detect/scene_setup.hpp"

namespace swath::detect {

// Draws the detections of scene `label` into a PNG under a temporary name in `staged` (the caller commits
// it with its other outputs). Reading the scene polls `stop`: true throws core::Interrupted. Throws IoError.
void stage_quicklook(const std::string& png, const PreparedScene& scene, const std::vector<Detection>& detections,
                     const std::string& label, const std::function<bool()>& stop, core::StagedFiles& staged);

}  // namespace swath::detect
