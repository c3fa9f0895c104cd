// Boxes cut by the seam between reads that do not overlap, joined into the object they are pieces of. No I/O.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/cell_index.hpp"
#include "detect/detector.hpp"
#include "detect/merge.hpp"

namespace swath::detect {

namespace {

// Whether a and b lie on either side of a seam: both cut there, their sides on it within `tolerance` (each within its
// own of its window's edge), sharing a stretch of it longer than that (not only a corner).
bool abut(const Detection& a, const Detection& b, double tolerance) {
  const auto& p = a.box;
  const auto& q = b.box;
  const auto shared = [&](double a0, double a1, double b0, double b1) {
    return std::min(a1, b1) - std::max(a0, b0) > tolerance;
  };
  const auto on_seam = [&](std::uint8_t a_side, double a_at, std::uint8_t b_side, double b_at) {
    return (a.cut_sides & a_side) && (b.cut_sides & b_side) && std::abs(a_at - b_at) <= tolerance;
  };
  const bool along_x = shared(p.min_y, p.max_y, q.min_y, q.max_y) &&
                       (on_seam(side_x1, p.max_x, side_x0, q.min_x) || on_seam(side_x0, p.min_x, side_x1, q.max_x));
  const bool along_y = shared(p.min_x, p.max_x, q.min_x, q.max_x) &&
                       (on_seam(side_y1, p.max_y, side_y0, q.min_y) || on_seam(side_y0, p.min_y, side_y1, q.max_y));
  return along_x || along_y;
}

std::size_t find(std::vector<std::size_t>& root, std::size_t i) {
  while (root[i] != i) i = root[i] = root[root[i]];
  return i;
}

// The union of `pieces` with the best one's attributes; its cut sides are those of pieces on the union's edge.
Detection joined(const std::vector<const Detection*>& pieces) {
  const Detection* best = *std::min_element(
      pieces.begin(), pieces.end(), [](const Detection* a, const Detection* b) { return ranks_before(*a, *b); });
  Detection out = *best;
  out.cut_sides = 0;
  for (const Detection* piece : pieces) {
    out.box = {std::min(out.box.min_x, piece->box.min_x), std::min(out.box.min_y, piece->box.min_y),
               std::max(out.box.max_x, piece->box.max_x), std::max(out.box.max_y, piece->box.max_y)};
    out.seam_tolerance = std::max(out.seam_tolerance, piece->seam_tolerance);
  }
  for (const Detection* piece : pieces) {
    const auto& b = piece->box;
    const auto on_edge = [&](std::uint8_t side, double at, double edge) {
      return (piece->cut_sides & side) && std::abs(at - edge) <= out.seam_tolerance ? side : 0;
    };
    out.cut_sides |=
        static_cast<std::uint8_t>(on_edge(side_x0, b.min_x, out.box.min_x) | on_edge(side_x1, b.max_x, out.box.max_x) |
                                  on_edge(side_y0, b.min_y, out.box.min_y) | on_edge(side_y1, b.max_y, out.box.max_y));
  }
  return out;
}

}  // namespace

std::vector<Detection> join_seams(std::vector<Detection> detections) {
  std::vector<std::size_t> cut;
  for (std::size_t i = 0; i < detections.size(); ++i) {
    if (detections[i].cut_sides != 0 && detections[i].shape.empty()) cut.push_back(i);
  }
  if (cut.size() < 2) return detections;
  std::vector<core::Bounds> boxes;
  for (const std::size_t i : cut) {
    const auto& d = detections[i];
    const double pad = d.seam_tolerance;
    boxes.push_back({d.box.min_x - pad, d.box.min_y - pad, d.box.max_x + pad, d.box.max_y + pad});
  }
  core::CellIndex cells(core::cell_size_for(boxes));
  for (std::size_t k = 0; k < boxes.size(); ++k) cells.insert(boxes[k], k);
  std::vector<std::size_t> root(cut.size());
  std::iota(root.begin(), root.end(), std::size_t{0});
  bool any = false;
  for (std::size_t k = 0; k < cut.size(); ++k) {
    const Detection& a = detections[cut[k]];
    for (const std::size_t m : cells.near(boxes[k])) {
      const Detection& b = detections[cut[m]];
      if (m <= k || !abut(a, b, a.seam_tolerance + b.seam_tolerance)) continue;
      root[find(root, k)] = find(root, m);
      any = true;
    }
  }
  if (!any) return detections;
  std::vector<std::vector<const Detection*>> groups(cut.size());
  for (std::size_t k = 0; k < cut.size(); ++k) groups[find(root, k)].push_back(&detections[cut[k]]);
  std::vector<Detection> out;
  std::vector<bool> in_group(detections.size(), false);
  for (std::size_t k = 0; k < cut.size(); ++k) in_group[cut[k]] = groups[find(root, k)].size() > 1;
  for (const auto& group : groups) {
    if (group.size() > 1) out.push_back(joined(group));
  }
  for (std::size_t i = 0; i < detections.size(); ++i) {
    if (!in_group[i]) out.push_back(std::move(detections[i]));
  }
  return out;
}

}  // namespace swath::detect
