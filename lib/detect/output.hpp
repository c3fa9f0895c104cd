// Detections to a vector file: one CRS, a fixed attribute schema, provenance in the layer metadata.
#pragma once

#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/json.hpp"
#include "detect/detection.hpp"
#include "detect/to_map.hpp"

namespace swath::detect {

// The layer the detections are written to (a GeoPackage or FlatGeobuf's; GeoJSON's collection name).
inline constexpr const char* kDetectionsLayer = "detections";

// Reprojects detections whose scene (by label) has another CRS than `target`.
std::vector<Detection> to_common_crs(std::vector<Detection> detections, const std::string& target,
                                     const CrsByScene& crs_by_scene);

// Attributes: class, score, detector, scene, window, trace_id; empty → valid empty file. Written under
// temporary names in `staged`: the caller commits them with its other outputs, or drops them all.
void stage_detections(const std::string& path, const std::vector<Detection>& detections, const std::string& crs_wkt,
                      const std::string& detector, const std::string& trace_id, const core::Json& metadata,
                      core::StagedFiles& staged);

}  // namespace swath::detect
