// Parents from their children in the sink: each child into its quadrant, the canvas halved when the parent closes.
#include "webmap/upper_levels.hpp"

namespace swath::webmap {

UpperLevels::UpperLevels(const PyramidLayout& layout, std::function<void(const TileKey&, const cv::Mat&)> emit,
                         std::function<void(const TileKey&)> blank,
                         std::function<void(const TileKey&, const std::string&)> failed)
    : layout_(layout),
      emit_(std::move(emit)),
      blank_(std::move(blank)),
      failed_(std::move(failed)),
      levels_(static_cast<std::size_t>(layout.root_zoom - layout.zooms.min)) {}

UpperLevels::Level& UpperLevels::open(const TileKey& child) {
  const int zoom = child.z - 1;
  Level& level = levels_[static_cast<std::size_t>(zoom - layout_.zooms.min)];
  const TileKey parent = child.parent();
  if (level.open && level.key != parent) close(zoom);
  if (!level.open) {
    level.open = true;
    level.key = parent;
  }
  return level;
}

void UpperLevels::fail(const TileKey& child, const std::string& error) {
  if (child.z <= layout_.zooms.min) return;
  Level& level = open(child);
  if (level.error.empty()) level.error = error;
}

void UpperLevels::add(const TileKey& child, const cv::Mat& pixels) {
  if (child.z <= layout_.zooms.min) return;
  Level& level = open(child);
  if (pixels.empty() || !level.error.empty()) return;
  if (level.canvas.empty()) {
    level.canvas = cv::Mat(2 * layout_.tile_size, 2 * layout_.tile_size, pixels.type(), cv::Scalar::all(0));
  }
  const int x = static_cast<int>(child.x & 1) * layout_.tile_size;
  const int y = static_cast<int>(child.y & 1) * layout_.tile_size;
  pixels.copyTo(level.canvas(cv::Rect(x, y, layout_.tile_size, layout_.tile_size)));
}

void UpperLevels::close(int zoom) {
  Level& level = levels_[static_cast<std::size_t>(zoom - layout_.zooms.min)];
  level.open = false;
  if (!level.error.empty()) {
    const std::string error = std::move(level.error);
    level.error.clear();
    level.canvas.release();
    if (layout_.in_range(level.key) && failed_) failed_(level.key, "a tile below it failed: " + error);
    fail(level.key, error);
    return;
  }
  // A parent of children without data has none; one with data may still lose it all in the halving (a sliver).
  cv::Mat tile;
  if (!level.canvas.empty()) tile = reduce(level.canvas, layout_.resampling);
  level.canvas.release();
  if (!tile.empty() && !has_data(tile)) tile.release();
  if (layout_.in_range(level.key)) {
    if (tile.empty()) {
      blank_(level.key);
    } else {
      emit_(level.key, tile);
    }
  }
  add(level.key, tile);
}

void UpperLevels::finish() {
  for (int zoom = layout_.root_zoom - 1; zoom >= layout_.zooms.min; --zoom) {
    if (levels_[static_cast<std::size_t>(zoom - layout_.zooms.min)].open) close(zoom);
  }
}

}  // namespace swath::webmap
