// Detections → vector::Layer → file.
#include "detect/output.hpp"

#include <cmath>
#include <map>

#include "vector/layer.hpp"

namespace swath::detect {

std::vector<Detection> to_common_crs(std::vector<Detection> detections, const std::string& target,
                                     const CrsByScene& crs_by_scene) {
  if (target.empty()) return detections;
  // Grouped by source CRS: one transformation per CRS rather than one per detection.
  std::map<std::string, std::vector<std::size_t>> by_crs;
  for (std::size_t i = 0; i < detections.size(); ++i) {
    const std::string& source = crs_of(crs_by_scene, detections[i].scene);
    if (!source.empty() && source != target) by_crs[source].push_back(i);
  }
  for (const auto& [source, indices] : by_crs) {
    vector::Layer layer;
    layer.crs_wkt = source;
    for (const auto i : indices) {
      const auto& d = detections[i];
      layer.features.push_back({d.shape.empty() ? vector::box_shape(d.box) : d.shape, {}});
    }
    vector::reproject(layer, target);
    for (std::size_t k = 0; k < indices.size(); ++k) {
      auto& d = detections[indices[k]];
      d.box = vector::envelope(layer.features[k].shape);
      d.cut_sides = 0;  // reprojected, a box's sides are no longer its window's edges
      if (!d.shape.empty()) d.shape = std::move(layer.features[k].shape);
    }
  }
  return detections;
}

void stage_detections(const std::string& path, const std::vector<Detection>& detections, const std::string& crs_wkt,
                      const std::string& detector, const std::string& trace_id, const core::Json& metadata,
                      core::StagedFiles& staged) {
  vector::Layer layer;
  layer.name = kDetectionsLayer;
  layer.crs_wkt = crs_wkt;
  layer.metadata = metadata;
  layer.fields = {{"class", vector::FieldKind::string},    {"score", vector::FieldKind::real},
                  {"detector", vector::FieldKind::string}, {"scene", vector::FieldKind::string},
                  {"window", vector::FieldKind::string},   {"trace_id", vector::FieldKind::string}};
  for (const auto& d : detections) {
    const double score = std::round(d.score * 1e6) / 1e6;  // stable text in GeoJSON, no false precision
    layer.features.push_back({d.shape.empty() ? vector::box_shape(d.box) : d.shape,
                              {core::Json(d.cls), core::Json(score), core::Json(detector), core::Json(d.scene),
                               core::Json(d.window), core::Json(trace_id)}});
  }
  vector::stage_layer(path, layer, staged);
}

}  // namespace swath::detect
