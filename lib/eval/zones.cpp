// Assigning UTM zones to the boxes of a lon/lat comparison (pure).
#include "eval/zones.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace swath::eval {

namespace {

bool has_area(const core::Bounds& b) { return b.max_x > b.min_x && b.max_y > b.min_y; }

int centre_zone(const core::Bounds& b) {
  if (!has_area(b)) return 0;
  return utm_zone_epsg((b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2);
}

double shared_area(const core::Bounds& a, const core::Bounds& b) {
  const double w = std::min(a.max_x, b.max_x) - std::max(a.min_x, b.min_x);
  const double h = std::min(a.max_y, b.max_y) - std::max(a.min_y, b.min_y);
  return w > 0 && h > 0 ? w * h : 0;
}

// Truths by the 0.1° cells their boxes touch, at most 8×8 from the south-west corner: a detection overlapping only
// the far part of a truth larger than 0.8° is not found here and takes its own centre's zone (objects are far
// smaller); so that each detection looks at a few truths, not all.
class CellIndex {
 public:
  explicit CellIndex(const std::vector<core::Bounds>& boxes) {
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      if (!has_area(boxes[i])) continue;
      for_cells(boxes[i], [&](long x, long y) { cells_[{x, y}].push_back(i); });
    }
  }
  template <class Visit>
  void near(const core::Bounds& box, Visit&& visit) const {
    for_cells(box, [&](long x, long y) {
      if (const auto found = cells_.find({x, y}); found != cells_.end())
        for (const auto i : found->second) visit(i);
    });
  }

 private:
  template <class Visit>
  static void for_cells(const core::Bounds& b, Visit&& visit) {
    const auto cell = [](double v) { return static_cast<long>(std::floor(v * 10)); };
    const long x0 = cell(b.min_x), y0 = cell(b.min_y);
    const long x1 = std::min(cell(b.max_x), x0 + 7), y1 = std::min(cell(b.max_y), y0 + 7);
    for (long x = x0; x <= x1; ++x)
      for (long y = y0; y <= y1; ++y) visit(x, y);
  }
  std::map<std::pair<long, long>, std::vector<std::size_t>> cells_;
};

}  // namespace

int utm_zone_epsg(double lon, double lat) {
  const double wrapped = lon - 360 * std::floor((lon + 180) / 360);  // -180 .. 180
  const int zone = std::clamp(static_cast<int>(std::floor((wrapped + 180) / 6)) + 1, 1, 60);
  return (lat >= 0 ? 32600 : 32700) + zone;
}

LocalZones local_zones(const std::vector<core::Bounds>& detections, const std::vector<core::Bounds>& truths,
                       int fallback) {
  LocalZones zones;
  for (const auto& t : truths) zones.truths.push_back(centre_zone(t));
  const CellIndex index(truths);
  for (const auto& d : detections) {
    double best = 0;
    int zone = centre_zone(d);
    index.near(d, [&](std::size_t t) {
      const double area = shared_area(d, truths[t]);
      // Equal overlaps: the lower zone, whatever order the truths came in.
      if (area > best || (area == best && area > 0 && zones.truths[t] < zone && zones.truths[t] != 0)) {
        best = area;
        zone = zones.truths[t];
      }
    });
    zones.detections.push_back(zone);
  }
  // A box with no area: the zone most boxes are in (the lowest of equals), else `fallback`.
  std::map<int, std::size_t> counts;
  for (const auto* list : {&zones.truths, &zones.detections})
    for (const int zone : *list)
      if (zone != 0) ++counts[zone];
  int common = fallback;
  std::size_t most = 0;
  for (const auto& [zone, count] : counts)
    if (count > most) most = count, common = zone;
  for (auto* list : {&zones.truths, &zones.detections}) std::replace(list->begin(), list->end(), 0, common);
  return zones;
}

}  // namespace swath::eval
