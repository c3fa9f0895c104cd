// A uniform grid over truth boxes, its cell twice their median size.
#include "eval/truth_index.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace swath::eval {

namespace {

constexpr std::int64_t kMaxCells = 4096;  // a box over more cells is listed apart (truths) or checked with all (boxes)

double cell_size(const std::vector<core::Bounds>& truths) {
  std::vector<double> sizes;
  for (const auto& b : truths) sizes.push_back(std::max(b.max_x - b.min_x, b.max_y - b.min_y));
  if (sizes.empty()) return 1;
  std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
  const double size = sizes[sizes.size() / 2] * 2;
  return std::isfinite(size) && size > 0 ? size : 1;
}

}  // namespace

TruthIndex::TruthIndex(const std::vector<core::Bounds>& truths) : count_(truths.size()), cell_(cell_size(truths)) {
  for (std::size_t id = 0; id < truths.size(); ++id) {
    std::int64_t r[4];
    if (!cells_of(truths[id], r)) {
      large_.push_back(id);
      continue;
    }
    for (auto y = r[2]; y <= r[3]; ++y) {
      for (auto x = r[0]; x <= r[1]; ++x) cells_[{x, y}].push_back(id);
    }
  }
}

bool TruthIndex::cells_of(const core::Bounds& b, std::int64_t (&r)[4]) const {
  const double limit = 1e15;  // beyond it cells no longer fit an int64 (and such coordinates are no place on Earth)
  const double v[4] = {b.min_x / cell_, b.max_x / cell_, b.min_y / cell_, b.max_y / cell_};
  for (double c : v) {
    if (!std::isfinite(c) || std::abs(c) > limit) return false;
  }
  for (int i = 0; i < 4; ++i) r[i] = static_cast<std::int64_t>(std::floor(v[i]));
  const std::int64_t across = r[1] - r[0] + 1, down = r[3] - r[2] + 1;
  return across > 0 && down > 0 && across <= kMaxCells && down <= kMaxCells && across * down <= kMaxCells;
}

std::vector<std::size_t> TruthIndex::near(const core::Bounds& box) const {
  std::int64_t r[4];
  if (!cells_of(box, r)) {
    std::vector<std::size_t> all(count_);
    std::iota(all.begin(), all.end(), std::size_t{0});
    return all;
  }
  std::vector<std::size_t> out = large_;
  for (auto y = r[2]; y <= r[3]; ++y) {
    for (auto x = r[0]; x <= r[1]; ++x) {
      if (const auto it = cells_.find({x, y}); it != cells_.end())
        out.insert(out.end(), it->second.begin(), it->second.end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace swath::eval
