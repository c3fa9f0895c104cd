// Connected components by breadth-first search over set pixels only (set pixels are rare in detection masks).
#include "detect/components.hpp"

#include <algorithm>

namespace swath::detect {

std::vector<Component> connected_components(const std::vector<std::uint8_t>& mask, std::int64_t width,
                                            std::int64_t height, int join, const std::vector<float>& value) {
  std::vector<Component> out;
  thread_local std::vector<std::uint8_t> seen;  // reused: windows are large, objects few
  thread_local std::vector<std::int64_t> queue;
  seen.assign(mask.size(), 0);
  for (std::int64_t start = 0; start < width * height; ++start) {
    if (!mask[static_cast<std::size_t>(start)] || seen[static_cast<std::size_t>(start)]) continue;
    Component c{start % width, start / width, start % width + 1, start / width + 1, 0, 0};
    queue.assign(1, start);
    seen[static_cast<std::size_t>(start)] = 1;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::int64_t p = queue[head], px = p % width, py = p / width;
      c.x0 = std::min(c.x0, px), c.y0 = std::min(c.y0, py);
      c.x1 = std::max(c.x1, px + 1), c.y1 = std::max(c.y1, py + 1);
      ++c.pixels;
      if (!value.empty()) c.sum += value[static_cast<std::size_t>(p)];
      for (std::int64_t y = std::max<std::int64_t>(0, py - join); y <= std::min(height - 1, py + join); ++y) {
        for (std::int64_t x = std::max<std::int64_t>(0, px - join); x <= std::min(width - 1, px + join); ++x) {
          const auto q = static_cast<std::size_t>(y * width + x);
          if (mask[q] && !seen[q]) {
            seen[q] = 1;
            queue.push_back(static_cast<std::int64_t>(q));
          }
        }
      }
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace swath::detect
