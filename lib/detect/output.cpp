// Detections → vector::Layer → file.
#include "detect/output.hpp"

#include <cmath>

#include "vector/layer.hpp"

namespace swath::detect {

std::vector<Detection> to_common_crs(std::vector<Detection> detections, const std::string& target,
                                     const std::function<std::string(const std::string&)>& crs_of_scene) {
  for (auto& d : detections) {
    const std::string source = crs_of_scene(d.scene);
    if (source == target || source.empty() || target.empty()) continue;
    vector::Layer one;
    one.crs_wkt = source;
    one.features.push_back({d.ring.empty() ? vector::box_ring(d.box) : d.ring, {}});
    vector::reproject(one, target);
    if (!d.ring.empty()) d.ring = one.features[0].ring;
    d.box = vector::envelope(one.features[0].ring);
  }
  return detections;
}

void stage_detections(const std::string& path, const std::vector<Detection>& detections, const std::string& crs_wkt,
                      const std::string& detector, const std::string& trace_id, const core::Json& metadata,
                      core::StagedFiles& staged) {
  vector::Layer layer;
  layer.name = "detections";
  layer.crs_wkt = crs_wkt;
  layer.metadata = metadata;
  layer.fields = {{"class", vector::FieldKind::string},  {"score", vector::FieldKind::real},
                  {"detector", vector::FieldKind::string}, {"scene", vector::FieldKind::string},
                  {"window", vector::FieldKind::string},   {"trace_id", vector::FieldKind::string}};
  for (const auto& d : detections) {
    const double score = std::round(d.score * 1e6) / 1e6;  // stable text in GeoJSON, no false precision
    layer.features.push_back({d.ring.empty() ? vector::box_ring(d.box) : d.ring,
                              {core::Json(d.cls), core::Json(score), core::Json(detector), core::Json(d.scene),
                               core::Json(d.window), core::Json(trace_id)}});
  }
  vector::stage_layer(path, layer, staged);
}

}  // namespace swath::detect
