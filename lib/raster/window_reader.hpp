// Reads pixel windows of one scene from many threads: one GDAL handle per thread, opened on first use.
#pragma once

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/geo.hpp"
#include "raster/scene.hpp"

namespace swath::raster {

// Band-sequential pixels of a window: band b's row r starts at ((b * height) + r) * width samples.
struct PixelBlock {
  core::Window window;          // may reach outside the scene (padding)
  std::vector<int> bands;       // 1-based source bands, in output order
  GDALDataType type = GDT_Byte;
  std::vector<std::byte> data;

  std::size_t sample_bytes() const { return static_cast<std::size_t>(bytes_per_sample(type)); }
  std::size_t band_stride() const { return static_cast<std::size_t>(window.pixels()) * sample_bytes(); }
  const std::byte* band_data(std::size_t band_index) const { return data.data() + band_index * band_stride(); }
};

class WindowReader {
 public:
  WindowReader(std::string path, SceneInfo info);

  // Reads `window` of `bands` as `type`. Pixels outside the scene get `fill[b]` (per output band).
  // Throws DataError naming the scene and window when GDAL fails (e.g. a corrupt block).
  PixelBlock read(const core::Window& window, const std::vector<int>& bands, GDALDataType type,
                  const std::vector<double>& fill) const;

  const SceneInfo& info() const { return info_; }

  // Closes every thread's handle (a later read opens one again). Only while no read of this reader runs:
  // a run over many scenes closes each scene's handles after its last tile, or they would add up past the
  // file descriptor limit (threads × scenes).
  void release_handles() const { datasets_.clear(); }

 private:
  GDALDataset& dataset_for_this_thread() const;

  std::string path_;
  SceneInfo info_;
  mutable tbb::enumerable_thread_specific<GDALDatasetUniquePtr> datasets_;
};

}  // namespace swath::raster
