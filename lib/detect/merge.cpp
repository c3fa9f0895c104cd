// Greedy merge with a uniform grid over kept boxes, so each detection is compared with its neighbours only.
#include "detect/merge.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "core/errors.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::detect {

namespace {

double area(const core::Bounds& b) { return std::max(0.0, b.max_x - b.min_x) * std::max(0.0, b.max_y - b.min_y); }

core::Bounds unite(const core::Bounds& a, const core::Bounds& b) {
  return {std::min(a.min_x, b.min_x), std::min(a.min_y, b.min_y), std::max(a.max_x, b.max_x),
          std::max(a.max_y, b.max_y)};
}

// The outline of the pieces of one object (cut by window edges, seen again by the next windows): their union, so
// the shape and area do not depend on where the windows fall. Empty (the box stands for it) when a piece has no
// outline or the pieces are not one polygon. Pieces that do not touch (regions inside a large region's box) are
// found by prepared-geometry tests before any union: a noisy mask's run spent most of its time uniting such pieces
// only to throw the result away. United at once (GEOS's cascaded union), not one piece at a time: an outline grown
// piece by piece cost ~n² (1000 chained pieces: 42 s).
vector::Shape united_outline(const std::vector<vector::Shape>& pieces) {
  if (!vector::connected(pieces)) return {};
  auto united = vector::united(pieces);
  return united.size() == 1 ? united : vector::Shape{};
}

bool better(const Detection& a, const Detection& b) {
  if (a.score != b.score) return a.score > b.score;
  return detection_less(a, b);
}

// Buckets of kept boxes by grid cell; a box is listed in every cell it covers.
class CellIndex {
 public:
  explicit CellIndex(double cell) : cell_(cell) {}
  void insert(const core::Bounds& b, std::size_t id) {
    visit(b, [&](std::pair<std::int64_t, std::int64_t> key) { cells_[key].push_back(id); });
  }
  // A kept box grown from `before` to `after` (which holds it): listed in the cells it newly covers only, so a box
  // grown by many pieces is not listed again and again in the cells it already had.
  void grow(const core::Bounds& before, const core::Bounds& after, std::size_t id) {
    const auto [x0, x1, y0, y1] = cells_of(before);
    visit(after, [&](std::pair<std::int64_t, std::int64_t> key) {
      if (key.first < x0 || key.first > x1 || key.second < y0 || key.second > y1) cells_[key].push_back(id);
    });
  }
  std::set<std::size_t> near(const core::Bounds& b) const {
    std::set<std::size_t> ids;
    visit(b, [&](std::pair<std::int64_t, std::int64_t> key) {
      if (auto it = cells_.find(key); it != cells_.end()) ids.insert(it->second.begin(), it->second.end());
    });
    return ids;
  }

 private:
  std::array<std::int64_t, 4> cells_of(const core::Bounds& b) const {
    return {
        static_cast<std::int64_t>(std::floor(b.min_x / cell_)), static_cast<std::int64_t>(std::floor(b.max_x / cell_)),
        static_cast<std::int64_t>(std::floor(b.min_y / cell_)), static_cast<std::int64_t>(std::floor(b.max_y / cell_))};
  }
  template <class Fn>
  void visit(const core::Bounds& b, Fn fn) const {
    const auto [x0, x1, y0, y1] = cells_of(b);
    for (auto y = y0; y <= y1; ++y) {
      for (auto x = x0; x <= x1; ++x) fn(std::pair{x, y});
    }
  }
  double cell_;
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::size_t>> cells_;
};

double typical_size(const std::vector<Detection>& detections) {
  std::vector<double> sizes;
  for (const auto& d : detections) sizes.push_back(std::max(d.box.max_x - d.box.min_x, d.box.max_y - d.box.min_y));
  if (sizes.empty()) return 1;
  std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
  return std::max(sizes[sizes.size() / 2] * 2, 1e-9);
}

}  // namespace

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
  std::sort(detections.begin(), detections.end(), better);
  CellIndex index(typical_size(detections));
  std::vector<Detection> kept;
  std::vector<std::vector<vector::Shape>> pieces;  // of each kept detection, its own outline first
  for (auto& d : detections) {
    bool absorbed = false;
    for (const std::size_t id : index.near(d.box)) {
      Detection& k = kept[id];
      if (options.per_class && k.cls != d.cls) continue;
      if (overlap(k.box, d.box, options.metric) < options.threshold) continue;
      if (options.method == MergeMethod::merge) {
        const core::Bounds before = k.box;
        k.box = unite(k.box, d.box);
        pieces[id].push_back(std::move(d.shape));
        index.grow(before, k.box, id);
      }
      absorbed = true;
      break;
    }
    if (!absorbed) {
      index.insert(d.box, kept.size());
      pieces.push_back({d.shape});
      kept.push_back(std::move(d));
    }
  }
  for (std::size_t id = 0; id < kept.size(); ++id) {
    if (pieces[id].size() > 1) kept[id].shape = united_outline(pieces[id]);  // none: a grown box's outline is the box
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
