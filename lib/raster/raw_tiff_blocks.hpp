// Windows of whole blocks of a plain GeoTIFF, inflated straight from the file into the window: no GDAL block cache.
#pragma once

#include <gdal_priv.h>

#include <memory>
#include <string>
#include <vector>

#include "raster/window_reader.hpp"

struct libdeflate_decompressor;

namespace swath::raster {

// GDAL reads a block of a pixel-interleaved GeoTIFF by inflating it, splitting it into one block-cache entry per
// band (fresh pages of a 64 MB cache, each a page fault when every block is read once) and copying each band out
// again. For a file GDAL would decode the same way (8-bit, DEFLATE or uncompressed, no predictor, pixel-interleaved
// or one band: every other IMAGE_STRUCTURE item sends it to GDAL), reading the compressed block and inflating it
// with libdeflate (GDAL's own inflater) into one buffer, then copying it once into the window, gives the same
// samples for about a third less CPU. One per thread: its own file handle, decompressor and buffers.
class RawTiffBlocks {
 public:
  // Null when `dataset` (opened from `path` by this thread) is not such a file: the caller reads through GDAL.
  static std::unique_ptr<RawTiffBlocks> open(GDALDataset& dataset, const std::string& path);
  ~RawTiffBlocks();
  RawTiffBlocks(const RawTiffBlocks&) = delete;
  RawTiffBlocks& operator=(const RawTiffBlocks&) = delete;

  // Whether read() takes `inside` (a window within the scene) into `block`: whole blocks only (edges may stop at the
  // scene's), Byte samples, and bands the layout can take without a per-pixel shuffle.
  bool takes(const core::Window& inside, const PixelBlock& block) const;
  // Reads the scene's `inside` into the matching pixels of `block` (takes() was true). False when a block is absent
  // (sparse) or does not inflate: the caller reads the window through GDAL, which fills or reports it as before.
  bool read(const core::Window& inside, PixelBlock& block);

 private:
  RawTiffBlocks(GDALRasterBand& first_band, VSILFILE* file, int bands, int block_width, int block_height,
                bool compressed);
  bool load_block(int column, int row, std::size_t needed);  // into block_, at least `needed` bytes

  GDALRasterBand& first_band_;  // of this thread's dataset: where the block offsets are
  VSILFILE* file_;
  libdeflate_decompressor* inflater_ = nullptr;
  int bands_;
  int block_width_;
  int block_height_;
  bool compressed_;
  std::vector<unsigned char> packed_;  // one block as stored
  std::vector<unsigned char> block_;   // one block inflated (pixel-interleaved)
  std::vector<unsigned char> unused_;  // a row of a band the window does not want
};

}  // namespace swath::raster
