// Window reads: clip to the scene, fill the outside, one RasterIO per window.
#include "raster/window_reader.hpp"

#include <cstring>

#include "core/errors.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::raster {

namespace {

void fill_band(std::byte* band, std::size_t pixels, GDALDataType type, double value) {
  GDALCopyWords64(&value, GDT_Float64, 0, band, type, GDALGetDataTypeSizeBytes(type), static_cast<GPtrDiff_t>(pixels));
}

std::string window_text(const core::Window& w) {
  return std::to_string(w.width) + "x" + std::to_string(w.height) + "+" + std::to_string(w.x) + "+" + std::to_string(w.y);
}

}  // namespace

WindowReader::WindowReader(std::string path, SceneInfo info) : path_(std::move(path)), info_(std::move(info)) {}

GDALDataset& WindowReader::dataset_for_this_thread() const {
  auto& slot = datasets_.local();
  if (!slot) slot = open_scene(path_);
  return *slot;
}

PixelBlock WindowReader::read(const core::Window& window, const std::vector<int>& bands, GDALDataType type,
                              const std::vector<double>& fill) const {
  PixelBlock block;
  block.window = window;
  block.bands = bands;
  block.type = type;
  block.data.resize(block.band_stride() * bands.size());

  const core::Window scene{0, 0, info_.width, info_.height};
  const core::Window inside = window.intersect(scene);
  const bool padded = !(inside == window);
  if (padded) {
    for (std::size_t b = 0; b < bands.size(); ++b) {
      fill_band(block.data.data() + b * block.band_stride(), static_cast<std::size_t>(window.pixels()), type,
                b < fill.size() ? fill[b] : 0.0);
    }
  }
  if (inside.empty()) return block;

  const auto sample = static_cast<GSpacing>(block.sample_bytes());
  const auto line = sample * window.width;
  const auto band_space = static_cast<GSpacing>(block.band_stride());
  std::byte* origin = block.data.data() + ((inside.y - window.y) * window.width + (inside.x - window.x)) * sample;
  std::vector<int> band_list = bands;

  CapturedGdalErrors errors;
  const CPLErr err = dataset_for_this_thread().RasterIO(
      GF_Read, static_cast<int>(inside.x), static_cast<int>(inside.y), static_cast<int>(inside.width),
      static_cast<int>(inside.height), origin, static_cast<int>(inside.width), static_cast<int>(inside.height), type,
      static_cast<int>(band_list.size()), band_list.data(), sample, line, band_space, nullptr);
  if (err != CE_None) {
    throw core::DataError("cannot read window " + window_text(inside) + " of '" + path_ + "'", errors.last_failure(),
                          "the file may be corrupt or truncated there");
  }
  return block;
}

}  // namespace swath::raster
