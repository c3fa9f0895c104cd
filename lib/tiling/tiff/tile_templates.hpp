// GeoTIFF tiles without GDAL's per-file work: later tiles of a shape are the first one's bytes, re-filled.
// The one header of tiling/tiff (the TIFF template encoder): tiling's pipeline encodes every tile through it.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "tiling/encode.hpp"

namespace swath::tiling::tiff {

// A tile's GeoTIFF differs from its neighbour's (same size, same scene) only in its pixels, its top-left
// corner and its SWATH_TILE id, all at fixed places when the tile is uncompressed. So GDAL encodes a probe
// tile of each shape (patterned pixels at the first tile's place), and the tiles copy its bytes with theirs
// put in: a copy of the pixels instead of GDAL's create, block cache, directory and georeferencing work per
// file (15% of a run's CPU). A template is used only after GDAL's own encoding of a second probe (other
// pixels, other corner and id) came out byte-identical to it. Compressed or tiled layouts, other formats,
// and tiles with a strip of one repeated value (which GDAL writes elsewhere in the file) go to GDAL, so the
// output is always exactly what GDAL writes. Thread-safe: while one thread probes a shape, others needing it
// encode through GDAL.
class TileTemplates {
 public:
  EncodedTile encode(const raster::PixelBlock& block, std::size_t band_count, const TileLook& look,
                     const TilePlace& place);

  // How many tiles were made from a template rather than by GDAL.
  std::int64_t filled() const { return filled_; }

  struct Template;

 private:
  using Shape = std::tuple<std::int64_t, std::int64_t, bool>;  // width, height, declares padding nodata

  std::mutex mutex_;
  std::map<Shape, std::shared_future<std::shared_ptr<const Template>>> templates_;  // null: this shape goes to GDAL
  std::atomic<std::int64_t> filled_{0};
};

}  // namespace swath::tiling::tiff
