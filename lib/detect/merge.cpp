// Greedy merge of boxes with a uniform grid over kept boxes, so each detection is compared with its neighbours only.
#include "detect/merge.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "core/cell_index.hpp"
#include "core/errors.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::detect {

namespace {

double area(const core::Bounds& b) { return std::max(0.0, b.max_x - b.min_x) * std::max(0.0, b.max_y - b.min_y); }

core::Bounds unite(const core::Bounds& a, const core::Bounds& b) {
  return {std::min(a.min_x, b.min_x), std::min(a.min_y, b.min_y), std::max(a.max_x, b.max_x),
          std::max(a.max_y, b.max_y)};
}

}  // namespace

bool ranks_before(const Detection& a, const Detection& b) {
  if (a.score != b.score) return a.score > b.score;
  return detection_less(a, b);
}

bool detection_less(const Detection& a, const Detection& b) {
  return std::tie(a.scene, a.box.min_y, a.box.min_x, a.box.max_y, a.box.max_x, a.cls, a.score, a.window) <
         std::tie(b.scene, b.box.min_y, b.box.min_x, b.box.max_y, b.box.max_x, b.cls, b.score, b.window);
}

double overlap(const core::Bounds& a, const core::Bounds& b, OverlapMetric metric) {
  const core::Bounds inter{std::max(a.min_x, b.min_x), std::max(a.min_y, b.min_y), std::min(a.max_x, b.max_x),
                           std::min(a.max_y, b.max_y)};
  const double i = (inter.max_x > inter.min_x && inter.max_y > inter.min_y) ? area(inter) : 0.0;
  if (i <= 0) return 0;
  const double denominator = metric == OverlapMetric::iou ? area(a) + area(b) - i : std::min(area(a), area(b));
  return denominator > 0 ? i / denominator : 0;
}

std::vector<Detection> merge_detections(std::vector<Detection> detections, const MergeOptions& options) {
  const bool outlined = !detections.empty() && std::all_of(detections.begin(), detections.end(),
                                                           [](const Detection& d) { return !d.shape.empty(); });
  if (options.method == MergeMethod::merge && outlined) return merge_outlines(std::move(detections), options);
  return merge_boxes(std::move(detections), options);
}

std::vector<Detection> merge_boxes(std::vector<Detection> detections, const MergeOptions& options) {
  // Pieces below their minimum area (cut outlines, measured only once united) are not united here: dropped as before.
  std::erase_if(detections, [](const Detection& d) { return d.min_area > 0 && vector::area(d.shape) < d.min_area; });
  detections = join_seams(std::move(detections));
  std::sort(detections.begin(), detections.end(), ranks_before);
  std::vector<core::Bounds> boxes;
  boxes.reserve(detections.size());
  for (const auto& d : detections) boxes.push_back(d.box);
  core::CellIndex index(core::cell_size_for(boxes));
  std::vector<Detection> kept;
  for (auto& d : detections) {
    bool absorbed = false;
    for (const std::size_t id : index.near(d.box)) {
      Detection& k = kept[id];
      if (options.per_class && k.cls != d.cls) continue;
      if (overlap(k.box, d.box, options.metric) < options.threshold) continue;
      if (options.method == MergeMethod::merge) {
        const core::Bounds before = k.box;
        k.box = unite(k.box, d.box);
        k.shape.clear();  // a grown box is its own outline
        index.grow(before, k.box, id);
      }
      absorbed = true;
      break;
    }
    if (!absorbed) {
      index.insert(d.box, kept.size());
      kept.push_back(std::move(d));
    }
  }
  std::sort(kept.begin(), kept.end(), detection_less);
  return kept;
}

MergeMethod parse_merge_method(const std::string& text) {
  if (text == "nms") return MergeMethod::nms;
  if (text == "merge") return MergeMethod::merge;
  throw core::UsageError("merge method '" + text + "'", "unknown", "use nms or merge");
}

OverlapMetric parse_overlap_metric(const std::string& text) {
  if (text == "iou") return OverlapMetric::iou;
  if (text == "ios") return OverlapMetric::ios;
  throw core::UsageError("overlap metric '" + text + "'", "unknown", "use iou or ios");
}

}  // namespace swath::detect
