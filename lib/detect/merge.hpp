// Merging detections from overlapping windows in map coordinates, so an object cut by a window edge
// is reported once, with one outline (the union of its pieces', through GDAL's GEOS). No I/O.
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

// Greedy, best score first: each detection joins the first kept one it overlaps at least `threshold`; a detection that
// grew is its box. Detections that all have outlines (the index detector's regions) are merged by merge_outlines
// instead when the method is merge. The result is sorted by detection_less. O(n log n + n·k), k the kept boxes near
// each one.
std::vector<Detection> merge_detections(std::vector<Detection> detections, const MergeOptions& options);

// The greedy merge of boxes merge_detections uses for anything but outlines (and merge_outlines without GEOS), after
// join_seams.
std::vector<Detection> merge_boxes(std::vector<Detection> detections, const MergeOptions& options);

// Boxes that abut along a seam, each cut there (Detection::cut_sides: tiles made without overlap, windows without
// overlap or context margin), are pieces of one object: joined into the union of their boxes, with the best piece's
// class, score, scene and window, whatever their classes (half a truck may pass for a car). Boxes meeting only at a
// corner, or whose sides on the seam are not both cut, stay apart.
std::vector<Detection> join_seams(std::vector<Detection> detections);

// Outlines that share area or an edge (not only a corner) are pieces of one object, whatever the order they come in
// and however little they overlap: a region seen by several windows shares their overlap's pixels, tiles without
// overlap share their seam, and two regions never share a pixel or an edge. Each object is the union of its pieces,
// with the best piece's class, score, scene and window. `threshold` and `metric` are not used: they are for boxes.
std::vector<Detection> merge_outlines(std::vector<Detection> detections, const MergeOptions& options);

// Higher score first, then detection_less: the order in which detections are kept.
bool ranks_before(const Detection& a, const Detection& b);

MergeMethod parse_merge_method(const std::string& text);
OverlapMetric parse_overlap_metric(const std::string& text);

}  // namespace swath::detect
