// Grid arithmetic: how many windows, where each starts, how edges are handled.
#include "tiling/grid.hpp"

#include <charconv>
#include <cstdio>
#include <system_error>

#include "core/errors.hpp"

namespace swath::tiling {

std::int64_t windows_along(std::int64_t length, std::int64_t size, std::int64_t stride) {
  if (length <= size) return 1;
  return (length - size + stride - 1) / stride + 1;  // the last window reaches the edge
}

std::string GridWindow::id() const {
  char buf[48];
  std::snprintf(buf, sizeof buf, "r%06lld_c%06lld", static_cast<long long>(row), static_cast<long long>(col));
  return buf;
}

Grid::Grid(std::int64_t scene_width, std::int64_t scene_height, GridOptions options)
    : scene_width_(scene_width), scene_height_(scene_height), options_(options) {
  if (options_.size < 1) {
    throw core::UsageError("tile size " + std::to_string(options_.size), "must be at least 1", "use e.g. --size 512");
  }
  if (options_.overlap < 0 || options_.overlap >= options_.size) {
    throw core::UsageError("overlap " + std::to_string(options_.overlap),
                           "must be at least 0 and less than the tile size " + std::to_string(options_.size),
                           "use e.g. --overlap 64 with --size 512");
  }
  if (scene_width_ < 1 || scene_height_ < 1) {
    throw core::DataError("scene of " + std::to_string(scene_width_) + "x" + std::to_string(scene_height_) + " pixels",
                          "has no pixels to tile");
  }
  columns_ = windows_along(scene_width_, options_.size, stride());
  rows_ = windows_along(scene_height_, options_.size, stride());
}

GridWindow Grid::at(std::int64_t index) const {
  GridWindow w;
  w.index = index;
  w.row = index / columns_;
  w.col = index % columns_;
  w.window = core::Window{w.col * stride(), w.row * stride(), options_.size, options_.size};
  const core::Window scene{0, 0, scene_width_, scene_height_};
  w.source = w.window.intersect(scene);
  if (options_.edge == Edge::shrink) w.window = w.source;
  return w;
}

Shard parse_shard(const std::string& text, const std::string& source) {
  if (text.empty()) return {};
  const auto slash = text.find('/');
  Shard shard;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  // Both numbers whole: "/8" (an unset $JOB_COMPLETION_INDEX) and numbers past 64 bits were read as shard 0.
  const auto whole = [](const char* from, const char* to, std::int64_t& value) {
    const auto [ptr, error] = std::from_chars(from, to, value);
    return from != to && error == std::errc{} && ptr == to;
  };
  const bool ok = slash != std::string::npos && whole(begin, begin + slash, shard.index) &&
                  whole(begin + slash + 1, end, shard.count) && shard.count >= 1 && shard.index >= 0 &&
                  shard.index < shard.count;
  if (!ok) {
    throw core::UsageError(source + ": bad shard '" + text + "'", "expected I/N with 0 <= I < N",
                           "in a Kubernetes Indexed Job use --shard $(JOB_COMPLETION_INDEX)/N");
  }
  // A run keeps a few names per shard (3 N): a typo of N made gigabytes of them, and the host's OOM killer woke.
  if (shard.count > max_shards) {
    throw core::UsageError(source + ": shard count " + std::to_string(shard.count),
                           "more than " + std::to_string(max_shards) + " shards (pods) of one run",
                           "split the scenes into fewer shards, e.g. one per pod");
  }
  return shard;
}

}  // namespace swath::tiling
