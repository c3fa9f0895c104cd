// Reads pixel windows of one scene from many threads: one GDAL handle per thread, opened on first use.
#pragma once

#include <oneapi/tbb/enumerable_thread_specific.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/geo.hpp"
#include "raster/scene.hpp"

namespace swath::raster {

class RawTiffBlocks;

// How a block's samples are laid out: band after band, or the bands of one pixel side by side (as most
// multi-band GeoTIFFs store them, so reading and writing those needs no transposition).
enum class Layout { band_sequential, pixel_interleaved };

// Pixels of a window. Band-sequential: band b's row r starts at ((b * height) + r) * width samples;
// pixel-interleaved: sample (b, r, c) is at (r * width + c) * bands + b. sample_at/pixel_space work for both.
struct PixelBlock {
  core::Window window;     // may reach outside the scene (padding)
  std::vector<int> bands;  // 1-based source bands, in output order
  GDALDataType type = GDT_Byte;
  Layout layout = Layout::band_sequential;
  std::vector<std::byte> data;

  std::size_t sample_bytes() const { return static_cast<std::size_t>(bytes_per_sample(type)); }
  std::size_t band_stride() const { return static_cast<std::size_t>(window.pixels()) * sample_bytes(); }
  // Band-sequential blocks only.
  const std::byte* band_data(std::size_t band_index) const { return data.data() + band_index * band_stride(); }
  // Bytes from one pixel to the next in a row, from one row to the next, from one band to the next.
  std::size_t pixel_space() const {
    return layout == Layout::band_sequential ? sample_bytes() : sample_bytes() * bands.size();
  }
  std::size_t line_space() const { return pixel_space() * static_cast<std::size_t>(window.width); }
  std::size_t band_space() const { return layout == Layout::band_sequential ? band_stride() : sample_bytes(); }
  // The first sample of `row` (0-based, within the window) of band `band_index`.
  const std::byte* sample_at(std::size_t band_index, std::int64_t row) const {
    return data.data() + band_index * band_space() + static_cast<std::size_t>(row) * line_space();
  }
  std::byte* sample_at(std::size_t band_index, std::int64_t row) {
    return data.data() + band_index * band_space() + static_cast<std::size_t>(row) * line_space();
  }
};

// A block for `window` with its samples allocated; where the window reaches outside `scene`, every band is set to
// fill[b] (0 past the end of `fill`) so the caller only copies the part inside. Shared by the readers.
PixelBlock padded_block(const core::Window& window, const core::Window& scene, const std::vector<int>& bands,
                        GDALDataType type, const std::vector<double>& fill, Layout layout);

class WindowReader {
 public:
  WindowReader(std::string path, SceneInfo info);

  // Reads `window` of `bands` as `type`. Pixels outside the scene get `fill[b]` (per output band).
  // Throws DataError naming the scene and window when GDAL fails (e.g. a corrupt block).
  PixelBlock read(const core::Window& window, const std::vector<int>& bands, GDALDataType type,
                  const std::vector<double>& fill, Layout layout = Layout::band_sequential) const;

  const SceneInfo& info() const { return info_; }

  // Closes every thread's handle (a later read opens one again). Only while no read of this reader runs:
  // a run over many scenes closes each scene's handles after its last tile, or they would add up past the
  // file descriptor limit (threads × scenes).
  void release_handles() const { datasets_.clear(); }

 private:
  // A thread's handle on the scene, and its raw block reader when the file suits one (RawTiffBlocks).
  struct Handle {
    GDALDatasetUniquePtr dataset;
    std::shared_ptr<RawTiffBlocks> raw;  // after `dataset` (it reads block offsets there), so it goes first
    std::string last_failure;            // GDAL may say why only once per handle (a VRT's missing source)
  };
  Handle& handle_for_this_thread() const;

  std::string path_;
  SceneInfo info_;
  mutable tbb::enumerable_thread_specific<Handle> datasets_;
};

}  // namespace swath::raster
