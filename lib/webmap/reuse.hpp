// --resume for a pyramid: a block whose every tile in range a previous run recorded (written with its file intact,
// or without data) is not warped again; its root's pixels, which the zooms above need, are read back from its PNG.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "tiling/resume.hpp"
#include "webmap/block.hpp"

namespace swath::webmap {

struct ReusedBlock {
  std::vector<const tiling::TileRecord*> written;  // in the manifest's order (tile_order.hpp)
  std::vector<TileKey> blank;
  cv::Mat root_pixels;  // empty when the root has no data
};

// A PNG tile's pixels as the run had them in memory (lossless; a tile without an alpha band was fully opaque);
// empty when unreadable or not of the layout's size and channels.
cv::Mat read_tile_pixels(const PyramidLayout& layout, const std::string& path);

// nullopt when any tile of the block must be made again, or the format is lossy (JPEG, WEBP: the root's pixels
// would not come back as they were, and the zooms above would differ from a run in one go).
std::optional<ReusedBlock> reuse_block(const PyramidLayout& layout, const std::string& output_dir,
                                       const tiling::PreviousRun& previous, const TileKey& root);

}  // namespace swath::webmap
