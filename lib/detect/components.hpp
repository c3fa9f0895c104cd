// Connected components of a binary mask and their boxes: pure, no I/O.
#pragma once

#include <cstdint>
#include <vector>

namespace swath::detect {

struct Component {
  std::int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // box, pixel edges (x1 exclusive)
  std::int64_t pixels = 0;
  double sum = 0;  // of the per-pixel `value` over the component
};

// Components of `mask` (width × height, row-major, nonzero = set). Pixels within `join` pixels of each
// other (Chebyshev distance) are connected: join 1 is 8-connectivity, 2 bridges one-pixel gaps.
// `value` (same layout, may be empty) is summed per component. Ordered by first pixel in row-major order.
std::vector<Component> connected_components(const std::vector<std::uint8_t>& mask, std::int64_t width,
                                            std::int64_t height, int join, const std::vector<float>& value);

}  // namespace swath::detect
