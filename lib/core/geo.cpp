// Window intersection and geotransform arithmetic.
#include "core/geo.hpp"

#include <algorithm>

namespace swath::core {

Window Window::intersect(const Window& other) const {
  const std::int64_t left = std::max(x, other.x);
  const std::int64_t top = std::max(y, other.y);
  const std::int64_t r = std::min(right(), other.right());
  const std::int64_t b = std::min(bottom(), other.bottom());
  if (r <= left || b <= top) return Window{left, top, 0, 0};
  return Window{left, top, r - left, b - top};
}

GeoTransform GeoTransform::shifted(std::int64_t col, std::int64_t row) const {
  GeoTransform out = *this;
  const auto origin = apply(static_cast<double>(col), static_cast<double>(row));
  out.c[0] = origin[0];
  out.c[3] = origin[1];
  return out;
}

Bounds GeoTransform::bounds_of(const Window& w) const {
  const double corners[4][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
  Bounds b{};
  for (int i = 0; i < 4; ++i) {
    const auto p = apply(static_cast<double>(w.x) + corners[i][0] * static_cast<double>(w.width),
                         static_cast<double>(w.y) + corners[i][1] * static_cast<double>(w.height));
    if (i == 0) {
      b = Bounds{p[0], p[1], p[0], p[1]};
    } else {
      b.min_x = std::min(b.min_x, p[0]);
      b.max_x = std::max(b.max_x, p[0]);
      b.min_y = std::min(b.min_y, p[1]);
      b.max_y = std::max(b.max_y, p[1]);
    }
  }
  return b;
}

}  // namespace swath::core
