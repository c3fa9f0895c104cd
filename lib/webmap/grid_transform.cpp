// Whole-grid transforms for a block's warps: positions that do not depend on the window being warped.
#include "webmap/grid_transform.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "raster/gdal_errors.hpp"
#include "webmap/mercator.hpp"
#include "webmap/scene.hpp"

namespace swath::webmap {

namespace {

constexpr double knot_spacing = 512;  // grid pixels between the knots of a row
constexpr double tolerance = 0.125;   // source pixels: GDAL's approximate transformer's default

}  // namespace

void WindowTransform::place(std::int64_t destination_x0, std::int64_t destination_y0, std::int64_t source_x0,
                            std::int64_t source_y0) {
  destination_x0_ = static_cast<double>(destination_x0);
  destination_y0_ = static_cast<double>(destination_y0);
  source_x0_ = static_cast<double>(source_x0);
  source_y0_ = static_cast<double>(source_y0);
}

int WindowTransform::transform(void* self, int destination_to_source, int count, double* x, double* y, double*,
                               int* success) {
  auto& t = *static_cast<WindowTransform*>(self);
  const double from_x = destination_to_source ? t.destination_x0_ : t.source_x0_;
  const double from_y = destination_to_source ? t.destination_y0_ : t.source_y0_;
  const double to_x = destination_to_source ? t.source_x0_ : t.destination_x0_;
  const double to_y = destination_to_source ? t.source_y0_ : t.destination_y0_;
  for (int i = 0; i < count; ++i) x[i] += from_x, y[i] += from_y;
  if (destination_to_source) {
    t.to_source(count, x, y, success);
  } else {
    t.to_destination(count, x, y, success);
  }
  for (int i = 0; i < count; ++i) x[i] -= to_x, y[i] -= to_y;
  return TRUE;
}

SceneToGrid::SceneToGrid(GDALDataset& scene, const std::array<double, 6>& grid, const std::string& what) : grid_(grid) {
  raster::CapturedGdalErrors errors;
  const std::string srs = "DST_SRS=" + mercator_wkt();
  const char* options[] = {srs.c_str(), nullptr};
  projection_ = GDALCreateGenImgProjTransformer2(GDALDataset::ToHandle(&scene), nullptr, const_cast<char**>(options));
  if (projection_ == nullptr) {
    throw core::DataError("cannot warp " + what, errors.last_failure(),
                          "check its CRS; warp it to EPSG:4326 or EPSG:3857 first");
  }
}

SceneToGrid::~SceneToGrid() { GDALDestroyGenImgProjTransformer(projection_); }

void SceneToGrid::exact(std::vector<double>& gx, double gy, std::vector<Knot>& out) {
  const std::size_t n = gx.size();
  points_x_.resize(n);
  points_y_.assign(n, grid_[3] + gy * grid_[5]);
  points_z_.assign(n, 0.0);
  points_ok_.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) points_x_[i] = grid_[0] + gx[i] * grid_[1];
  GDALGenImgProjTransform(projection_, TRUE, static_cast<int>(n), points_x_.data(), points_y_.data(), points_z_.data(),
                          points_ok_.data());
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = {points_x_[i], points_y_[i],
              points_ok_[i] != 0 && std::isfinite(points_x_[i]) && std::isfinite(points_y_[i])};
  }
}

SceneToGrid::Knot SceneToGrid::exact(double gx, double gy) {
  double x = grid_[0] + gx * grid_[1], y = grid_[3] + gy * grid_[5], z = 0;
  int ok = 0;
  GDALGenImgProjTransform(projection_, TRUE, 1, &x, &y, &z, &ok);
  return {x, y, ok != 0 && std::isfinite(x) && std::isfinite(y)};
}

bool SceneToGrid::straight(const Knot& left, const Knot& right, const Knot& mid) {
  return left.ok && right.ok && mid.ok && std::abs((left.x + right.x) / 2 - mid.x) <= tolerance &&
         std::abs((left.y + right.y) / 2 - mid.y) <= tolerance;
}

SceneToGrid::Knot SceneToGrid::within(double gx, double gy, double a, double b, Knot left, Knot right, Knot mid) {
  // Every point of a leaf takes the same way down to it, so the next points of the row reuse it.
  Leaf& leaf = last_leaf_;
  const auto on_leaf = [&] {
    const double d = (gx - leaf.a) / (leaf.b - leaf.a);
    return Knot{leaf.left.x + d * (leaf.right.x - leaf.left.x), leaf.left.y + d * (leaf.right.y - leaf.left.y), true};
  };
  if (leaf.valid && leaf.gy == gy && gx >= leaf.a && gx < leaf.b) return on_leaf();
  for (;;) {
    if (!left.ok || !right.ok || !mid.ok) return exact(gx, gy);
    if (straight(left, right, mid)) {
      leaf = {true, gy, a, b, left, right};
      return on_leaf();
    }
    if (b - a <= 2) return exact(gx, gy);
    const double m = (a + b) / 2;
    if (gx < m) {
      b = m, right = mid;
    } else {
      a = m, left = mid;
    }
    mid = exact((a + b) / 2, gy);
  }
}

void SceneToGrid::row_to_source(int count, double* x, double gy, int* success, double* y) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int i = 0; i < count; ++i) {
    if (std::isfinite(x[i])) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  }
  if (!(lo <= hi) || !std::isfinite(gy)) {
    std::fill(success, success + count, 0);
    return;
  }
  // The row's knots from the first at or before its first point to the first after its last, then their midpoints:
  // one call to GDAL for all of them.
  const double k0 = std::floor(lo / knot_spacing), k1 = std::floor(hi / knot_spacing);
  const auto intervals = static_cast<std::size_t>(k1 - k0) + 1;
  knot_x_.clear();
  for (std::size_t k = 0; k <= intervals; ++k) knot_x_.push_back((k0 + static_cast<double>(k)) * knot_spacing);
  for (std::size_t k = 0; k < intervals; ++k) knot_x_.push_back((k0 + static_cast<double>(k) + 0.5) * knot_spacing);
  exact(knot_x_, gy, knots_);
  // Points come along the row, so the interval's line is worked out once; a bent interval is refined per point.
  std::size_t current = intervals;
  bool line = false;
  double a = 0, slope_x = 0, slope_y = 0;
  for (int i = 0; i < count; ++i) {
    if (!std::isfinite(x[i])) {
      success[i] = 0;
      continue;
    }
    const auto k = static_cast<std::size_t>(std::floor(x[i] / knot_spacing) - k0);
    const Knot& left = knots_[k];
    const Knot& right = knots_[k + 1];
    if (k != current) {
      current = k;
      a = (k0 + static_cast<double>(k)) * knot_spacing;
      line = straight(left, right, knots_[intervals + 1 + k]);
      slope_x = (right.x - left.x) / knot_spacing;
      slope_y = (right.y - left.y) / knot_spacing;
    }
    if (line) {
      const double d = x[i] - a;
      x[i] = left.x + d * slope_x, y[i] = left.y + d * slope_y, success[i] = 1;
      continue;
    }
    const Knot p = within(x[i], gy, a, a + knot_spacing, left, right, knots_[intervals + 1 + k]);
    x[i] = p.x, y[i] = p.y, success[i] = p.ok ? 1 : 0;
  }
}

void SceneToGrid::to_source(int count, double* x, double* y, int* success) {
  for (int i = 0; i < count;) {
    int j = i + 1;
    while (j < count && y[j] == y[i]) ++j;
    row_to_source(j - i, x + i, y[i], success + i, y + i);
    i = j;
  }
}

void SceneToGrid::to_destination(int count, double* x, double* y, int* success) {
  std::vector<double> z(static_cast<std::size_t>(count), 0.0);
  GDALGenImgProjTransform(projection_, FALSE, count, x, y, z.data(), success);
  for (int i = 0; i < count; ++i) {
    x[i] = (x[i] - grid_[0]) / grid_[1];
    y[i] = (y[i] - grid_[3]) / grid_[5];
  }
}

GridToCanvas::GridToCanvas(const std::array<double, 6>& grid, double canvas_resolution)
    : grid_(grid), resolution_(canvas_resolution) {}

void GridToCanvas::to_source(int count, double* x, double* y, int* success) {
  for (int i = 0; i < count; ++i) {
    x[i] = (x[i] * resolution_ - origin_shift - grid_[0]) / grid_[1];
    y[i] = (origin_shift - y[i] * resolution_ - grid_[3]) / grid_[5];
    success[i] = 1;
  }
}

void GridToCanvas::to_destination(int count, double* x, double* y, int* success) {
  for (int i = 0; i < count; ++i) {
    x[i] = (grid_[0] + x[i] * grid_[1] + origin_shift) / resolution_;
    y[i] = (origin_shift - (grid_[3] + y[i] * grid_[5])) / resolution_;
    success[i] = 1;
  }
}

}  // namespace swath::webmap
