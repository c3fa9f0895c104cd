// Parents from their children in the sink: each child into its quadrant, the canvas halved when the parent closes.
#include "webmap/upper_levels.hpp"

#include "webmap/tile_order.hpp"

namespace swath::webmap {

UpperLevels::UpperLevels(const PyramidLayout& layout, std::function<void(const TileKey&, const cv::Mat&)> emit,
                         std::function<void(const TileKey&)> blank,
                         std::function<void(const TileKey&, const std::string&)> failed)
    : layout_(layout),
      emit_(std::move(emit)),
      blank_(std::move(blank)),
      failed_(std::move(failed)),
      levels_(layout.zooms.min, layout.root_zoom) {}

void paste_into_parent(cv::Mat& canvas, const TileKey& child, const cv::Mat& pixels, int tile_size) {
  if (canvas.empty()) canvas = cv::Mat(2 * tile_size, 2 * tile_size, pixels.type(), cv::Scalar::all(0));
  const int x = static_cast<int>(child.x & 1) * tile_size;
  const int y = static_cast<int>(child.y & 1) * tile_size;
  pixels.copyTo(canvas(cv::Rect(x, y, tile_size, tile_size)));
}

UpperLevels::Level& UpperLevels::open(const TileKey& child) {
  return levels_.open(child, [this](int zoom) { close(zoom); });
}

// A parent closes as soon as its last child in range is in: it follows its children in the manifest (tile_order.hpp).
void UpperLevels::fail(const TileKey& child, const std::string& error) {
  if (child.z <= layout_.zooms.min) return;
  Level& level = open(child);
  if (level.error.empty()) level.error = error;
  if (completes_parent(layout_, child)) close(child.z - 1);
}

void UpperLevels::add(const TileKey& child, const cv::Mat& pixels) {
  if (child.z <= layout_.zooms.min) return;
  Level& level = open(child);
  if (!pixels.empty() && level.error.empty()) paste_into_parent(level.canvas, child, pixels, layout_.tile_size);
  if (completes_parent(layout_, child)) close(child.z - 1);
}

void UpperLevels::close(int zoom) {
  Level& level = levels_.at(zoom);
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
  levels_.finish([this](int zoom) { close(zoom); });
}

}  // namespace swath::webmap
