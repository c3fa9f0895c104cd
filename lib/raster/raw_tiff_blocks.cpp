// RawTiffBlocks: which GeoTIFFs it reads, and a window read as compressed blocks inflated and copied once.
#include "raster/raw_tiff_blocks.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace swath::raster {

namespace {

// The IMAGE_STRUCTURE items of a file GDAL decodes as plain bytes: anything else (NBITS, PIXELTYPE, a colour
// space, another compression, a predictor) goes to GDAL. Sets `compressed` for DEFLATE.
bool plain_structure(char** items, int bands, bool& compressed) {
  for (char** item = items; item != nullptr && *item != nullptr; ++item) {
    const std::string_view text(*item);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view key = text.substr(0, equals);
    const std::string_view value = text.substr(equals + 1);
    if (key == "COMPRESSION" && value == "DEFLATE") {
      compressed = true;
    } else if (key == "INTERLEAVE") {
      if (value != "PIXEL" && bands > 1) return false;
    } else if (key == "PREDICTOR") {
      if (value != "1") return false;
    } else if (key != "LAYOUT" && key != "OVERVIEW_RESAMPLING") {
      return false;
    }
  }
  return true;
}

bool block_item(GDALRasterBand& band, const char* what, int column, int row, std::uint64_t& value) {
  char key[64];
  std::snprintf(key, sizeof key, "BLOCK_%s_%d_%d", what, column, row);
  const char* text = band.GetMetadataItem(key, "TIFF");
  if (text == nullptr) return false;
  value = std::strtoull(text, nullptr, 10);
  return value != 0;
}

}  // namespace

std::unique_ptr<RawTiffBlocks> RawTiffBlocks::open(GDALDataset& dataset, const std::string& path) {
  const GDALDriver* driver = dataset.GetDriver();
  const int bands = dataset.GetRasterCount();
  if (driver == nullptr || std::strcmp(driver->GetDescription(), "GTiff") != 0 || bands < 1) return nullptr;
  GDALRasterBand& first = *dataset.GetRasterBand(1);
  int block_width = 0;
  int block_height = 0;
  first.GetBlockSize(&block_width, &block_height);
  for (int b = 1; b <= bands; ++b) {
    GDALRasterBand& band = *dataset.GetRasterBand(b);
    int width = 0;
    int height = 0;
    band.GetBlockSize(&width, &height);
    char** items = band.GetMetadata("IMAGE_STRUCTURE");
    if (band.GetRasterDataType() != GDT_Byte || width != block_width || height != block_height ||
        (items != nullptr && *items != nullptr)) {
      return nullptr;
    }
  }
  bool compressed = false;
  if (!plain_structure(dataset.GetMetadata("IMAGE_STRUCTURE"), bands, compressed)) return nullptr;
  VSILFILE* file = VSIFOpenL(path.c_str(), "rb");  // fails for what is no plain file (e.g. GTIFF_DIR:2:scene.tif)
  if (file == nullptr) return nullptr;
  return std::unique_ptr<RawTiffBlocks>(new RawTiffBlocks(first, file, bands, block_width, block_height, compressed));
}

RawTiffBlocks::RawTiffBlocks(GDALRasterBand& first_band, VSILFILE* file, int bands, int block_width, int block_height,
                             bool compressed)
    : first_band_(first_band),
      file_(file),
      bands_(bands),
      block_width_(block_width),
      block_height_(block_height),
      compressed_(compressed) {
  if (compressed_) inflater_ = libdeflate_alloc_decompressor();
  block_.resize(static_cast<std::size_t>(block_width) * static_cast<std::size_t>(block_height) *
                static_cast<std::size_t>(bands));
  unused_.resize(static_cast<std::size_t>(block_width));
}

RawTiffBlocks::~RawTiffBlocks() {
  if (inflater_ != nullptr) libdeflate_free_decompressor(inflater_);
  VSIFCloseL(file_);
}

bool RawTiffBlocks::takes(const core::Window& inside, const PixelBlock& block) const {
  if (block.type != GDT_Byte || inside.empty() || block.bands.empty() || (compressed_ && inflater_ == nullptr)) {
    return false;
  }
  const std::int64_t width = first_band_.GetXSize();
  const std::int64_t height = first_band_.GetYSize();
  const bool whole = inside.x % block_width_ == 0 && inside.y % block_height_ == 0 &&
                     (inside.right() % block_width_ == 0 || inside.right() == width) &&
                     (inside.bottom() % block_height_ == 0 || inside.bottom() == height);
  if (!whole) return false;  // a block shared by windows would be inflated for each: GDAL's cache decodes it once
  std::vector<bool> seen(static_cast<std::size_t>(bands_) + 1, false);
  for (std::size_t i = 0; i < block.bands.size(); ++i) {
    const int band = block.bands[i];
    if (band < 1 || band > bands_ || seen[static_cast<std::size_t>(band)]) return false;
    seen[static_cast<std::size_t>(band)] = true;
    // Pixel-interleaved windows take the file's pixels as they are: all its bands, in its order.
    const bool as_stored = band == static_cast<int>(i) + 1 && block.bands.size() == static_cast<std::size_t>(bands_);
    if (block.layout == Layout::pixel_interleaved && !as_stored) return false;
  }
  return true;
}

bool RawTiffBlocks::load_block(int column, int row, std::size_t needed) {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  if (!block_item(first_band_, "OFFSET", column, row, offset) || !block_item(first_band_, "SIZE", column, row, size)) {
    return false;  // sparse: GDAL fills it
  }
  if (VSIFSeekL(file_, offset, SEEK_SET) != 0) return false;
  if (!compressed_) {
    const auto length = static_cast<std::size_t>(std::min<std::uint64_t>(size, block_.size()));
    return length >= needed && VSIFReadL(block_.data(), 1, length, file_) == length;
  }
  packed_.resize(static_cast<std::size_t>(size));
  if (VSIFReadL(packed_.data(), 1, packed_.size(), file_) != packed_.size()) return false;
  std::size_t inflated = 0;
  return libdeflate_zlib_decompress(inflater_, packed_.data(), packed_.size(), block_.data(), block_.size(),
                                    &inflated) == LIBDEFLATE_SUCCESS &&
         inflated >= needed;
}

bool RawTiffBlocks::read(const core::Window& inside, PixelBlock& block) {
  const auto components = static_cast<std::size_t>(bands_);
  const std::size_t row_bytes = static_cast<std::size_t>(block_width_) * components;
  // Where each of the file's bands goes in a band-sequential window (a row of `unused_` when it is not wanted).
  std::vector<std::size_t> output(components, components);
  for (std::size_t i = 0; i < block.bands.size(); ++i) output[static_cast<std::size_t>(block.bands[i] - 1)] = i;
  std::vector<void*> targets(components);
  for (std::int64_t y = inside.y; y < inside.bottom(); y += block_height_) {
    for (std::int64_t x = inside.x; x < inside.right(); x += block_width_) {
      const auto rows = static_cast<std::size_t>(std::min<std::int64_t>(block_height_, inside.bottom() - y));
      const auto columns = static_cast<std::size_t>(std::min<std::int64_t>(block_width_, inside.right() - x));
      if (!load_block(static_cast<int>(x / block_width_), static_cast<int>(y / block_height_),
                      (rows - 1) * row_bytes + columns * components)) {
        return false;
      }
      const auto column_offset = static_cast<std::size_t>(x - block.window.x);
      for (std::size_t r = 0; r < rows; ++r) {
        const unsigned char* source = block_.data() + r * row_bytes;
        const std::int64_t line = y - block.window.y + static_cast<std::int64_t>(r);
        if (block.layout == Layout::pixel_interleaved || components == 1) {
          std::memcpy(block.sample_at(0, line) + column_offset * block.pixel_space(), source, columns * components);
          continue;
        }
        for (std::size_t c = 0; c < components; ++c) {
          targets[c] = output[c] < components ? static_cast<void*>(block.sample_at(output[c], line) + column_offset)
                                              : static_cast<void*>(unused_.data());
        }
        GDALDeinterleave(source, GDT_Byte, bands_, targets.data(), GDT_Byte, columns);
      }
    }
  }
  return true;
}

}  // namespace swath::raster
