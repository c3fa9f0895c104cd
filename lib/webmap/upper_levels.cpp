// Parents from their children in the sink: each child into its quadrant, the canvas halved when the parent closes.
#include "webmap/upper_levels.hpp"

namespace swath::webmap {

UpperLevels::UpperLevels(const PyramidLayout& layout, std::function<void(const TileKey&, const cv::Mat&)> emit)
    : layout_(layout), emit_(std::move(emit)), levels_(static_cast<std::size_t>(layout.root_zoom - layout.zooms.min)) {}

void UpperLevels::add(const TileKey& child, const cv::Mat& pixels) {
  if (child.z <= layout_.zooms.min) return;
  const int zoom = child.z - 1;
  Level& level = levels_[static_cast<std::size_t>(zoom - layout_.zooms.min)];
  const TileKey parent = child.parent();
  if (level.open && level.key != parent) close(zoom);
  if (!level.open) {
    level.open = true;
    level.key = parent;
    level.canvas = cv::Mat(2 * layout_.tile_size, 2 * layout_.tile_size, pixels.type(), cv::Scalar::all(0));
  }
  const int x = static_cast<int>(child.x & 1) * layout_.tile_size;
  const int y = static_cast<int>(child.y & 1) * layout_.tile_size;
  pixels.copyTo(level.canvas(cv::Rect(x, y, layout_.tile_size, layout_.tile_size)));
}

void UpperLevels::close(int zoom) {
  Level& level = levels_[static_cast<std::size_t>(zoom - layout_.zooms.min)];
  level.open = false;
  const cv::Mat tile = reduce(level.canvas, layout_.resampling);
  level.canvas.release();
  if (!has_data(tile)) return;
  if (layout_.in_range(level.key)) emit_(level.key, tile);
  add(level.key, tile);
}

void UpperLevels::finish() {
  for (int zoom = layout_.root_zoom - 1; zoom >= layout_.zooms.min; --zoom) {
    if (levels_[static_cast<std::size_t>(zoom - layout_.zooms.min)].open) close(zoom);
  }
}

}  // namespace swath::webmap
