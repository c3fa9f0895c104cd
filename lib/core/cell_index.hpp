// Buckets of boxes by the cells of a uniform grid, so a box is compared with its neighbours only.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/geo.hpp"

namespace swath::core {

// A box is listed in every cell it covers.
class CellIndex {
 public:
  explicit CellIndex(double cell) : cell_(cell) {}
  void insert(const Bounds& b, std::size_t id) {
    visit(b, [&](std::pair<std::int64_t, std::int64_t> key) { cells_[key].push_back(id); });
  }
  // A kept box grown from `before` to `after` (which holds it): listed in the cells it newly covers only, so a box
  // grown by many pieces is not listed again and again in the cells it already had.
  void grow(const Bounds& before, const Bounds& after, std::size_t id) {
    const auto [x0, x1, y0, y1] = cells_of(before);
    visit(after, [&](std::pair<std::int64_t, std::int64_t> key) {
      if (key.first < x0 || key.first > x1 || key.second < y0 || key.second > y1) cells_[key].push_back(id);
    });
  }
  std::set<std::size_t> near(const Bounds& b) const {
    std::set<std::size_t> ids;
    visit(b, [&](std::pair<std::int64_t, std::int64_t> key) {
      if (auto it = cells_.find(key); it != cells_.end()) ids.insert(it->second.begin(), it->second.end());
    });
    return ids;
  }

 private:
  std::array<std::int64_t, 4> cells_of(const Bounds& b) const {
    return {
        static_cast<std::int64_t>(std::floor(b.min_x / cell_)), static_cast<std::int64_t>(std::floor(b.max_x / cell_)),
        static_cast<std::int64_t>(std::floor(b.min_y / cell_)), static_cast<std::int64_t>(std::floor(b.max_y / cell_))};
  }
  template <class Fn>
  void visit(const Bounds& b, Fn fn) const {
    const auto [x0, x1, y0, y1] = cells_of(b);
    for (auto y = y0; y <= y1; ++y) {
      for (auto x = x0; x <= x1; ++x) fn(std::pair{x, y});
    }
  }
  double cell_;
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::size_t>> cells_;
};

// A cell size for `boxes`: twice the median box's longer side, so most boxes cover a few cells, but none over 256
// cells wide (a lake among a million ponds).
inline double cell_size_for(const std::vector<Bounds>& boxes) {
  if (boxes.empty()) return 1;
  std::vector<double> sizes;
  sizes.reserve(boxes.size());
  for (const auto& b : boxes) sizes.push_back(std::max(b.max_x - b.min_x, b.max_y - b.min_y));
  const double largest = *std::max_element(sizes.begin(), sizes.end());
  std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
  return std::max({sizes[sizes.size() / 2] * 2, largest / 256, 1e-9});
}

}  // namespace swath::core
