// Merging detections from overlapping windows in map coordinates, so an object cut by a window edge
// is reported once, with one outline (the union of its pieces', through GDAL's GEOS). Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "detect/detection.hpp"

namespace swath::detect {

enum class MergeMethod { nms, merge };  // nms: keep the best box; merge: grow it to the union
enum class OverlapMetric { iou, ios };  // intersection over union, or over the smaller box

struct MergeOptions {
  MergeMethod method = MergeMethod::merge;
  OverlapMetric metric = OverlapMetric::ios;
  double threshold = 0.5;
  bool per_class = true;  // false: boxes of different classes merge too (the best class wins)
};

double overlap(const core::Bounds& a, const core::Bounds& b, OverlapMetric metric);

// Greedy, best score first: each detection joins the first kept one it overlaps at least `threshold`.
// The result is sorted by detection_less. O(n log n + n·k), k the kept boxes near each one.
std::vector<Detection> merge_detections(std::vector<Detection> detections, const MergeOptions& options);

MergeMethod parse_merge_method(const std::string& text);
OverlapMetric parse_overlap_metric(const std::string& text);

}  // namespace swath::detect
