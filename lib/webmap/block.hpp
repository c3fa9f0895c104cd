// One subtree of the pyramid in memory: its base tiles warped at once from every scene over it (last on top),
// each lower zoom down to its root made from the four children, every tile with data encoded.
#pragma once

#include <gdal_priv.h>

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tiling/encode.hpp"
#include "webmap/mercator.hpp"
#include "webmap/options.hpp"
#include "webmap/scene.hpp"

namespace swath::webmap {

// What every block of a run shares.
struct PyramidLayout {
  const std::vector<PyramidScene>* scenes = nullptr;
  std::vector<std::vector<TileRange>> ranges;  // [scene][zoom]: gdal2tiles' tile range of each scene
  ZoomRange zooms;
  int root_zoom = 0;  // blocks are the subtrees rooted here; zooms above are built from their roots
  int tile_size = 256;
  int channels = 4;  // data bands + alpha
  Resampling resampling = Resampling::average;
  tiling::TileLook look;  // format, creation options, colours

  bool in_range(const TileKey& t) const;
};

struct BuiltTile {
  TileKey key;
  tiling::EncodedTile encoded;
  std::string sha256;
};

struct BuiltBlock {
  TileKey root;
  std::vector<BuiltTile> tiles;  // zoom by zoom from the base, row-major within a zoom
  cv::Mat root_pixels;           // the root tile (tile_size², channels) when it has data; empty otherwise
  std::int64_t pixels = 0;       // base pixels warped
  std::vector<TileKey> empty;    // tiles in range without data (not written; recorded blank, for --resume)
};

// One thread's GDAL handles on every scene, opened on first use.
class SceneHandles {
 public:
  GDALDataset& at(const PyramidLayout& layout, std::size_t scene);

 private:
  std::vector<GDALDatasetUniquePtr> handles_;
};

// Warps the base of the subtree at `root` and builds it down to the root. Throws DataError when GDAL fails.
BuiltBlock build_block(const PyramidLayout& layout, SceneHandles& handles, const TileKey& root);

// Half-size `canvas` (2·tile_size square) by the layout's resampling: how every lower zoom is made.
cv::Mat reduce(const cv::Mat& canvas, Resampling resampling);

// Whether any pixel of `pixels` has non-zero alpha (its last channel).
bool has_data(const cv::Mat& pixels);

// Whether every pixel of `pixels` has alpha 255: covered by data everywhere.
bool fully_opaque(const cv::Mat& pixels);

// Encodes one tile's pixels (tile_size², channels); JPEG takes the data bands only (uncovered pixels black), and so
// does a fully opaque tile in PNG or WEBP (a reader takes a tile without alpha as covered everywhere).
tiling::EncodedTile encode(const PyramidLayout& layout, const cv::Mat& pixels);

}  // namespace swath::webmap
