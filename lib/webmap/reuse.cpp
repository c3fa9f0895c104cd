// Keeping a previous run's blocks: every tile of the subtree checked (file size and SHA-256), the root decoded.
#include "webmap/reuse.hpp"

#include <gdal_priv.h>

#include "raster/scene.hpp"
#include "webmap/tile_order.hpp"

namespace swath::webmap {

// A tile without alpha was fully opaque (block.hpp: encode), so its alpha is 255 everywhere.
cv::Mat read_tile_pixels(const PyramidLayout& layout, const std::string& path) {
  GDALDatasetUniquePtr tile(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!tile || tile->GetRasterXSize() != layout.tile_size || tile->GetRasterYSize() != layout.tile_size) return {};
  const int bands = tile->GetRasterCount();
  if (bands != layout.channels && bands != layout.channels - 1) return {};
  cv::Mat pixels(layout.tile_size, layout.tile_size, CV_8UC(layout.channels), cv::Scalar::all(255));
  const auto channels = static_cast<GSpacing>(layout.channels);
  if (tile->RasterIO(GF_Read, 0, 0, layout.tile_size, layout.tile_size, pixels.data, layout.tile_size, layout.tile_size,
                     GDT_Byte, bands, nullptr, channels, channels * layout.tile_size, 1, nullptr) != CE_None) {
    return {};
  }
  return pixels;
}

std::optional<ReusedBlock> reuse_block(const PyramidLayout& layout, const std::string& output_dir,
                                       const tiling::PreviousRun& previous, const TileKey& root) {
  if (layout.look.format != tiling::Format::png) return std::nullopt;
  ReusedBlock out;
  for (const TileKey& key : tiles_in_range(layout, root)) {
    const auto path = tiling::xyz_relative_path({key.z, key.x, key.y}, layout.look.format);
    const tiling::TileRecord* record = previous.reusable(key.text(), output_dir, path);
    if (record == nullptr) return std::nullopt;
    if (record->status == tiling::TileStatus::blank) {
      out.blank.push_back(key);
      continue;
    }
    out.written.push_back(record);
    if (key == root) {
      out.root_pixels = read_tile_pixels(layout, output_dir + "/" + path);
      if (out.root_pixels.empty()) return std::nullopt;
    }
  }
  return out;
}

}  // namespace swath::webmap
