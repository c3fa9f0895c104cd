// The zooms above the blocks' roots, built in the in-order sink from the roots as they arrive: one 2×2 canvas
// per zoom, finished as soon as a child of another parent arrives (the roots come depth-first), so memory stays
// at one canvas per zoom whatever the scene size. Every root comes, with data or not, so that every tile in range
// above them is either emitted or reported blank (the manifest lists each tile in range once, as for the blocks).
#pragma once

#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "webmap/block.hpp"

namespace swath::webmap {

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
  std::vector<Level> levels_;  // [zoom - zooms.min], for zooms below root_zoom
};

}  // namespace swath::webmap
