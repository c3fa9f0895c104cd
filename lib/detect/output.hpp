// Detections to a vector file: one CRS, a fixed attribute schema, provenance in the layer metadata.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "detect/detection.hpp"

namespace swath::detect {

// Reprojects detections whose scene (by label) has another CRS than `target`.
std::vector<Detection> to_common_crs(std::vector<Detection> detections, const std::string& target,
                                     const std::function<std::string(const std::string&)>& crs_of_scene);

// Attributes: class, score, detector, scene, window, trace_id. Writes atomically; empty → valid empty file.
void write_detections(const std::string& path, const std::vector<Detection>& detections, const std::string& crs_wkt,
                      const std::string& detector, const std::string& trace_id, const core::Json& metadata);

}  // namespace swath::detect
