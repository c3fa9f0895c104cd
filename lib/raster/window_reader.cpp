// Window reads: clip to the scene, fill the outside, one RasterIO per window.
#include "raster/window_reader.hpp"

#include <algorithm>
#include <cstring>

#include "core/errors.hpp"
#include "raster/gdal_errors.hpp"
#include "raster/raw_tiff_blocks.hpp"

namespace swath::raster {

namespace {

void fill_band(std::byte* first, std::size_t pixels, std::size_t stride, GDALDataType type, double value) {
  GDALCopyWords64(&value, GDT_Float64, 0, first, type, static_cast<int>(stride), static_cast<GPtrDiff_t>(pixels));
}

std::string window_text(const core::Window& w) {
  return std::to_string(w.width) + "x" + std::to_string(w.height) + "+" + std::to_string(w.x) + "+" +
         std::to_string(w.y);
}

// A window with the scene's mask among its bands, band by band: the mask through band 1's mask band (one for all).
CPLErr read_with_mask(GDALDataset& dataset, const core::Window& inside, std::byte* origin, GDALDataType type,
                      const std::vector<int>& bands, GSpacing pixel, GSpacing line, GSpacing band_space) {
  for (std::size_t i = 0; i < bands.size(); ++i) {
    GDALRasterBand* band =
        bands[i] == mask_band ? dataset.GetRasterBand(1)->GetMaskBand() : dataset.GetRasterBand(bands[i]);
    const CPLErr err =
        band->RasterIO(GF_Read, static_cast<int>(inside.x), static_cast<int>(inside.y), static_cast<int>(inside.width),
                       static_cast<int>(inside.height), origin + static_cast<GSpacing>(i) * band_space,
                       static_cast<int>(inside.width), static_cast<int>(inside.height), type, pixel, line, nullptr);
    if (err != CE_None) return err;
  }
  return CE_None;
}

}  // namespace

WindowReader::WindowReader(std::string path, SceneInfo info) : path_(std::move(path)), info_(std::move(info)) {}

WindowReader::Handle& WindowReader::handle_for_this_thread() const {
  auto& slot = datasets_.local();
  if (!slot.dataset) {
    slot.dataset = open_scene(path_);
    slot.raw = RawTiffBlocks::open(*slot.dataset, path_);
  }
  return slot;
}

PixelBlock padded_block(const core::Window& window, const core::Window& scene, const std::vector<int>& bands,
                        GDALDataType type, const std::vector<double>& fill, Layout layout) {
  PixelBlock block;
  block.window = window;
  block.bands = bands;
  block.type = type;
  block.layout = layout;
  block.data.resize(block.band_stride() * bands.size());
  if (!(window.intersect(scene) == window)) {
    for (std::size_t b = 0; b < bands.size(); ++b) {
      fill_band(block.sample_at(b, 0), static_cast<std::size_t>(window.pixels()), block.pixel_space(), type,
                b < fill.size() ? fill[b] : 0.0);
    }
  }
  return block;
}

PixelBlock WindowReader::read(const core::Window& window, const std::vector<int>& bands, GDALDataType type,
                              const std::vector<double>& fill, Layout layout) const {
  const core::Window scene{0, 0, info_.width, info_.height};
  PixelBlock block = padded_block(window, scene, bands, type, fill, layout);
  const core::Window inside = window.intersect(scene);
  if (inside.empty()) return block;

  const auto pixel = static_cast<GSpacing>(block.pixel_space());
  const auto line = static_cast<GSpacing>(block.line_space());
  const auto band_space = static_cast<GSpacing>(block.band_space());
  std::byte* origin = block.sample_at(0, inside.y - window.y) + (inside.x - window.x) * pixel;
  std::vector<int> band_list = bands;

  Handle& handle = handle_for_this_thread();
  const bool masked = std::find(bands.begin(), bands.end(), mask_band) != bands.end();
  if (!masked && handle.raw && handle.raw->takes(inside, block) && handle.raw->read(inside, block)) return block;
  CapturedGdalErrors errors;
  const CPLErr err =
      masked ? read_with_mask(*handle.dataset, inside, origin, type, bands, pixel, line, band_space)
             : handle.dataset->RasterIO(GF_Read, static_cast<int>(inside.x), static_cast<int>(inside.y),
                                        static_cast<int>(inside.width), static_cast<int>(inside.height), origin,
                                        static_cast<int>(inside.width), static_cast<int>(inside.height), type,
                                        static_cast<int>(band_list.size()), band_list.data(), pixel, line, band_space,
                                        nullptr);
  if (err != CE_None) {
    // The same words for every window it fails, whichever thread read it first: they go into the output's metadata.
    std::string why = errors.last_failure("");
    if (!why.empty()) handle.last_failure = why;
    if (why.empty()) why = handle.last_failure.empty() ? "GDAL reported no reason" : handle.last_failure;
    throw core::DataError("cannot read window " + window_text(inside) + " of '" + path_ + "'", why,
                          "the file may be corrupt or truncated there");
  }
  return block;
}

}  // namespace swath::raster
