// Reading the two files of an evaluation into boxes in metres: one metric CRS (a projected file's), or, when both
// are in lon/lat, each box in a UTM zone of its own place (eval/zones.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "eval/eval.hpp"
#include "eval/zones.hpp"
#include "vector/layer.hpp"

namespace swath::eval {

namespace {

// vector::reproject, its failure naming the file.
void reproject(vector::Layer& layer, const std::string& crs, const std::string& path) {
  try {
    vector::reproject(layer, crs);
  } catch (const core::DataError& e) {
    throw core::DataError("'" + path + "'", e.subject() + ": " + e.why(), e.hint());
  }
}

// The CRS both layers are measured in, when not both in lon/lat: a projected file's (the detections' first), else
// the one that has a CRS (boxes_of refuses the other, which has none: pixel coordinates).
std::string metric_crs(const vector::Layer& detections, const vector::Layer& truth) {
  if (vector::is_projected(detections.crs_wkt)) return detections.crs_wkt;
  if (vector::is_projected(truth.crs_wkt)) return truth.crs_wkt;
  return !detections.crs_wkt.empty() ? detections.crs_wkt : truth.crs_wkt;
}

// "feature 12": its position in the file (features without a polygon are skipped, so not the layer's index).
std::string feature_named(const vector::Feature& f) {
  return f.number > 0 ? "feature " + std::to_string(f.number) : std::string("a feature");
}

std::vector<Box> boxes_of(vector::Layer layer, const std::string& crs, const std::string& path, bool need_score) {
  // No feature, no box: an empty GeoJSON (what detect writes when it finds nothing, synth's truth for
  // --objects 0) has no attributes at all, and is a valid, empty side of the comparison.
  if (layer.features_without_polygon > 0) {
    throw core::DataError("'" + path + "'",
                          std::to_string(layer.features_without_polygon) + " feature(s) without a polygon, the first " +
                              layer.first_without_polygon + ": eval matches boxes",
                          "write them as polygons (swath detect and swath synth do)");
  }
  if (layer.features.empty()) return {};
  const int cls = layer.field_index("class");
  if (cls < 0) {
    throw core::DataError("'" + path + "'", "it has no \"class\" attribute",
                          "give each feature its class in a \"class\" attribute (swath detect and swath synth do)");
  }
  const int score = layer.field_index("score");
  if (need_score && score < 0) {
    throw core::DataError(
        "'" + path + "'", "it has no \"score\" attribute",
        "give the detections a \"score\" attribute; and check the order: swath eval DETECTIONS TRUTH");
  }
  if (layer.crs_wkt.empty() != crs.empty()) {
    throw core::DataError("'" + path + "'", layer.crs_wkt.empty()
                                                ? "it has no CRS while the other file has one"
                                                : "it has a CRS while the other file has pixel coordinates");
  }
  if (!crs.empty()) reproject(layer, crs, path);
  std::vector<Box> out;
  for (const auto& f : layer.features) {
    Box b;
    const auto& c = f.values[static_cast<std::size_t>(cls)];
    if (c.is_null()) {  // it was matched as a class named "null"
      throw core::DataError("'" + path + "'", feature_named(f) + "'s \"class\" is null",
                            "give every feature a class (a string or a number)");
    }
    b.cls = c.is_string() ? c.as_string() : c.dump();
    if (b.cls.empty()) {  // a class named "" would be a row of its own, halving the mean AP
      throw core::DataError("'" + path + "'", feature_named(f) + "'s \"class\" is empty",
                            "give every feature a class name");
    }
    if (score >= 0 && need_score) {
      const auto& value = f.values[static_cast<std::size_t>(score)];
      // NaN ranks nowhere: sorting by it would make the precision curve depend on the input order.
      if (!value.is_number() || !std::isfinite(value.as_double())) {
        const std::string shown = value.is_number() ? fmt::format("{}", value.as_double()) : value.dump();  // nan
        throw core::DataError("'" + path + "'", feature_named(f) + "'s score is " + shown + ", not a finite number",
                              "write \"score\" as a finite number, higher for more confident detections");
      }
      b.score = value.as_double();
    }
    b.box = vector::envelope(f.shape);
    out.push_back(std::move(b));
  }
  return out;
}

// Not a local (engineering) CRS: its coordinates are measured as they are, as a projected one's (was: taken for
// lon/lat, and refused as having no way to UTM).
// A geocentric one (EPSG:4978, X/Y/Z) goes through lon/lat too: its X and Y are no map.
bool in_lon_lat(const vector::Layer& layer) {
  return vector::is_geographic(layer.crs_wkt) || vector::is_geocentric(layer.crs_wkt);
}

// Each feature's box in lon/lat (its shape's envelope there).
std::vector<core::Bounds> lon_lat_boxes(const vector::Layer& layer, const std::string& path) {
  vector::Layer lonlat;
  lonlat.name = layer.name;
  lonlat.crs_wkt = layer.crs_wkt;
  for (const auto& feature : layer.features) lonlat.features.push_back({feature.shape, {}});
  reproject(lonlat, vector::wgs84_wkt(), path);
  std::vector<core::Bounds> boxes;
  for (const auto& feature : lonlat.features)
    boxes.push_back(vector::has_outline(feature.shape) ? vector::envelope(feature.shape) : core::Bounds{});
  return boxes;
}

// Every zone's metres set 10^7 m apart in x (the lowest zone not moved), so that boxes of two zones never meet.
std::map<int, double> zone_shifts(const LocalZones& zones) {
  std::map<int, double> shifts;
  for (const auto* list : {&zones.truths, &zones.detections})
    for (const int zone : *list) shifts.emplace(zone, 0);
  double shift = 0;
  for (auto& [zone, x] : shifts) x = shift, shift += 1e7;
  return shifts;
}

// The layer's boxes, each feature's in its zone (`zones`, one per feature), in the layer's order.
std::vector<Box> boxes_in_zones(vector::Layer layer, const std::vector<int>& zones, const std::map<int, double>& shifts,
                                const std::string& path, bool need_score) {
  std::vector<Box> out(layer.features.size());
  const auto features = std::move(layer.features);
  layer.features.clear();
  for (const auto& [zone, shift] : shifts) {
    vector::Layer part = layer;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < features.size(); ++i) {
      if (zones[i] != zone) continue;
      part.features.push_back(features[i]);
      where.push_back(i);
    }
    if (part.features.empty()) continue;
    auto boxes = boxes_of(std::move(part), vector::epsg_wkt(zone), path, need_score);
    for (std::size_t j = 0; j < boxes.size(); ++j) {
      boxes[j].box.min_x += shift;
      boxes[j].box.max_x += shift;
      out[where[j]] = std::move(boxes[j]);
    }
  }
  if (features.empty()) {
    const std::string crs = layer.crs_wkt;  // no feature: only its refusals (features without a polygon) apply
    return boxes_of(std::move(layer), crs, path, need_score);
  }
  return out;
}

// Both files' boxes in metres: a projected file's CRS, or each box in its place's UTM zone when both are in lon/lat.
std::pair<std::vector<Box>, std::vector<Box>> read_boxes(const std::string& detections_path,
                                                         const std::string& truth_path) {
  auto detections = vector::read_layer(detections_path);
  auto truth = vector::read_layer(truth_path);
  if (in_lon_lat(detections) && in_lon_lat(truth)) {
    auto zones = local_zones(lon_lat_boxes(detections, detections_path), lon_lat_boxes(truth, truth_path), 32631);
    auto shifts = zone_shifts(zones);
    return {boxes_in_zones(std::move(detections), zones.detections, shifts, detections_path, true),
            boxes_in_zones(std::move(truth), zones.truths, shifts, truth_path, false)};
  }
  const std::string crs = metric_crs(detections, truth);
  return {boxes_of(std::move(detections), crs, detections_path, true),
          boxes_of(std::move(truth), crs, truth_path, false)};
}

// The class names as given, trimmed ("car, truck" is car and truck); an empty one is refused before any file is read.
std::vector<std::string> class_names(const std::vector<std::string>& named) {
  std::vector<std::string> classes;
  for (const auto& cls : named) {
    classes.push_back(core::trim(cls));
    if (classes.back().empty())  // was: accepted, and nothing scored
      throw core::UsageError("--classes", "an empty class name", "name the classes, comma-separated: car,truck");
  }
  return classes;
}

// Keeps the boxes of `classes` only; returns a warning for each class neither file has (a typo scores nothing).
std::vector<std::string> keep_classes(const std::vector<std::string>& classes, std::vector<Box>& detections,
                                      std::vector<Box>& truths) {
  std::set<std::string> present;
  for (const auto* boxes : {&detections, &truths})
    for (const auto& b : *boxes) present.insert(b.cls);
  std::vector<std::string> warnings;
  for (const auto& cls : classes) {
    if (present.count(cls) != 0) continue;
    std::string listed;
    for (const auto& p : present) listed += (listed.empty() ? "" : ", ") + p;
    warnings.push_back("--classes: neither file has class '" + cls + "'" +
                       (present.empty() ? " (both are empty)" : " (their classes: " + listed + ")"));
  }
  const std::set<std::string> kept(classes.begin(), classes.end());
  for (auto* boxes : {&detections, &truths})
    boxes->erase(std::remove_if(boxes->begin(), boxes->end(), [&](const Box& b) { return kept.count(b.cls) == 0; }),
                 boxes->end());
  return warnings;
}

// A detection class that the truth spells only in another case ("ship", "Ship"): classes compare exactly, so its
// boxes score nothing, without a word.
std::vector<std::string> case_only_differences(const std::vector<Box>& detections, const std::vector<Box>& truths) {
  std::set<std::string> found, truth;
  for (const auto& b : detections) found.insert(b.cls);
  for (const auto& b : truths) truth.insert(b.cls);
  std::vector<std::string> warnings;
  for (const auto& cls : found) {
    if (truth.count(cls) != 0) continue;
    for (const auto& t : truth) {
      if (core::to_lower(t) != core::to_lower(cls)) continue;
      warnings.push_back("detections' class '" + cls + "' is the truth's '" + t +
                         "' in another case: classes compare exactly, so its boxes match none (rename one)");
      break;
    }
  }
  return warnings;
}

}  // namespace

EvalReport evaluate_files(const std::string& detections_path, const std::string& truth_path, double iou_threshold,
                          const std::vector<std::string>& named_classes) {
  const auto classes = class_names(named_classes);
  auto [detections, truths] = read_boxes(detections_path, truth_path);
  std::vector<std::string> warnings;
  if (!classes.empty()) warnings = keep_classes(classes, detections, truths);
  for (auto& warning : case_only_differences(detections, truths)) warnings.push_back(std::move(warning));
  auto report = evaluate(std::move(detections), std::move(truths), iou_threshold);
  report.warnings = std::move(warnings);
  return report;
}

}  // namespace swath::eval
