// The zooms above the blocks' roots, built in the in-order sink from the roots as they arrive: one 2×2 canvas
// per zoom, finished as soon as its last child in range is in (the roots come depth-first), so memory stays
// at one canvas per zoom whatever the scene size, and each parent follows its children in the manifest. Every root
// comes, with data or not, so that every tile in range above them is either emitted or reported blank (the manifest
// lists each tile in range once, as for the blocks).
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "webmap/block.hpp"

namespace swath::webmap {

// One open parent per zoom from `min_zoom` up to below the roots' zoom: the children come depth-first, so a child
// of another parent closes the one open at its zoom (callers close a parent before that, after its last child in
// range: tile_order.hpp's completes_parent). `Level` has `open` and `key`; UpperLevels and the shards'
// merge add what their tiles need.
template <class Level>
class OpenParents {
 public:
  OpenParents(int min_zoom, int root_zoom)
      : min_zoom_(min_zoom), levels_(static_cast<std::size_t>(std::max(0, root_zoom - min_zoom))) {}

  Level& at(int zoom) { return levels_[static_cast<std::size_t>(zoom - min_zoom_)]; }

  // The level of `child`'s parent, opened on it after `close(zoom)` of the other parent open there.
  template <class Close>
  Level& open(const TileKey& child, Close&& close) {
    const int zoom = child.z - 1;
    Level& level = at(zoom);
    const TileKey parent = child.parent();
    if (level.open && level.key != parent) close(zoom);
    if (!level.open) {
      level.open = true;
      level.key = parent;
    }
    return level;
  }

  // `close(zoom)` of every parent still open, deepest first.
  template <class Close>
  void finish(Close&& close) {
    for (int zoom = min_zoom_ + static_cast<int>(levels_.size()) - 1; zoom >= min_zoom_; --zoom) {
      if (at(zoom).open) close(zoom);
    }
  }

 private:
  int min_zoom_;
  std::vector<Level> levels_;  // [zoom - min_zoom]
};

// `child`'s pixels into its quadrant of its parent's 2×2 canvas, made (zero, of the pixels' type) on first use.
void paste_into_parent(cv::Mat& canvas, const TileKey& child, const cv::Mat& pixels, int tile_size);

class UpperLevels {
 public:
  // `emit` gets every finished tile in range with data, `blank` every one in range without, `failed` every one in
  // range above a failed block (with that block's error), in a deterministic order.
  UpperLevels(const PyramidLayout& layout, std::function<void(const TileKey&, const cv::Mat&)> emit,
              std::function<void(const TileKey&)> blank,
              std::function<void(const TileKey&, const std::string&)> failed = nullptr);

  // A tile at root_zoom (or, recursively, above): its pixels, or empty when it has no data.
  void add(const TileKey& child, const cv::Mat& pixels);
  // A tile at root_zoom whose block failed: every tile above it fails too (it would lack that block's part).
  void fail(const TileKey& child, const std::string& error);
  // Finishes the parents still open, deepest first.
  void finish();

 private:
  struct Level {
    bool open = false;
    TileKey key;
    cv::Mat canvas;     // allocated by the first child with data
    std::string error;  // a failed child's
  };
  Level& open(const TileKey& child);
  void close(int zoom);
  const PyramidLayout& layout_;
  std::function<void(const TileKey&, const cv::Mat&)> emit_;
  std::function<void(const TileKey&)> blank_;
  std::function<void(const TileKey&, const std::string&)> failed_;
  OpenParents<Level> levels_;  // zooms below root_zoom
};

}  // namespace swath::webmap
