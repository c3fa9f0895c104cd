// One subtree of the pyramid in memory: its base tiles warped at once from every scene over it (last on top),
// each lower zoom down to its root made from the four children, every tile with data encoded.
#pragma once

#include <gdal_priv.h>

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <optional>
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
  std::vector<std::vector<TileRange>> ranges;  // [scene part][zoom]: gdal2tiles' tile range of each (world_parts)
  ZoomRange zooms;
  int root_zoom = 0;  // blocks are the subtrees rooted here; zooms above are built from their roots
  int tile_size = 256;
  int channels = 4;  // data bands + alpha
  Resampling resampling = Resampling::average;
  tiling::TileLook look;         // format, creation options, colours
  std::optional<int> png_level;  // PNG tiles through swath's encoder at this libdeflate level; absent: GDAL's driver
  double grid_factor = 1;        // the most pixels of a scene's (decimated) grid per canvas pixel, along an axis

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

// The part of a scene's warped grid under a block (with a margin for the kernels), read every `step` pixels: when
// --zoom's base is much coarser than the scene, a grid at its native resolution would grow with the scene (a block
// of zoom-8 tiles over 10 m pixels is 60² times its canvas), so it is read at no finer than 4× the base (gdal2tiles'
// query: 4×4 samples per base pixel), which bounds it at 8× the canvas along an axis whatever the scene.
struct GridWindow {
  std::int64_t x0 = 0, y0 = 0;         // the top-left pixel, in the warped grid
  std::int64_t step = 1;               // warped pixels per grid pixel along an axis
  std::int64_t width = 0, height = 0;  // grid pixels; 0 when the scene is not under the block
  double shift = 0;                    // metres from world x to the grid's (WorldPart::shift)
};

// max(1, floor(resolution(base zoom) / 4 / pixel size)).
std::int64_t grid_step(const PyramidScene& scene, int base_zoom, int tile_size);
// Grid pixels read beyond the block on each side, for a grid of `grid_factor` pixels per canvas pixel: as far as
// the widest kernel (cubic's, 2 canvas pixels) reaches, at least 3.
std::int64_t grid_margin(double grid_factor);
// Starts on a multiple of `step` (the same samples for every block), the margin around the block; `shift` as
// WorldPart's, for the part of the scene the block is over.
GridWindow grid_window(const PyramidLayout& layout, const PyramidScene& scene, const TileKey& root, double shift = 0);

// The bytes of a block's grid beyond what a block's budget already allows for (a grid up to twice finer than the
// canvas along an axis): 0 unless a --zoom coarser than the scene makes it finer.
std::size_t extra_grid_bytes(double grid_factor, std::size_t side, int channels);

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
