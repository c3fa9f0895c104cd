// A subtree in memory: GDALWarp of every scene over the block into one canvas (INIT_DEST for the first, the
// next composited over it by their alpha: last on top), then each zoom halved from the one below.
#include "webmap/block.hpp"

#include <gdal_alg.h>
#include <gdalwarper.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "core/errors.hpp"
#include "core/sha256.hpp"
#include "raster/gdal_errors.hpp"
#include "webmap/grid_transform.hpp"
#include "webmap/png_writer.hpp"
#include "webmap/query_average.hpp"

namespace swath::webmap {

namespace {

GDALResampleAlg warp_algorithm(Resampling r) {
  switch (r) {
    case Resampling::near:
      return GRA_NearestNeighbour;
    case Resampling::bilinear:
      return GRA_Bilinear;
    case Resampling::cubic:
      return GRA_Cubic;
    case Resampling::average:
      return GRA_Average;
    case Resampling::mode:
      return GRA_Mode;
  }
  return GRA_Average;
}

bool overlaps(const core::Bounds& a, const core::Bounds& b) {
  return a.min_x < b.max_x && b.min_x < a.max_x && a.min_y < b.max_y && b.min_y < a.max_y;
}

// A MEM dataset over `canvas` (pixel-interleaved, no copy), placed at `bounds` in EPSG:3857.
GDALDatasetUniquePtr wrap_canvas(cv::Mat& canvas, const core::Bounds& bounds) {
  auto* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr dataset(mem->Create("", canvas.cols, canvas.rows, 0, GDT_Byte, nullptr));
  if (!dataset) {
    throw core::DataError("cannot warp a block", "GDAL's MEM driver could not create a dataset",
                          "check that GDAL has its MEM driver (gdalinfo --formats)");
  }
  for (int b = 0; b < canvas.channels(); ++b) {
    char pointer[64];
    std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p", static_cast<void*>(canvas.data + b));
    const std::string pixel = "PIXELOFFSET=" + std::to_string(canvas.channels());
    const std::string line = "LINEOFFSET=" + std::to_string(canvas.step[0]);
    const char* options[] = {pointer, pixel.c_str(), line.c_str(), nullptr};
    if (dataset->AddBand(GDT_Byte, const_cast<char**>(options)) != CE_None) {
      throw core::DataError("cannot warp a block", "GDAL's MEM driver could not add a band",
                            "check that GDAL has its MEM driver (gdalinfo --formats)");
    }
  }
  double gt[6] = {bounds.min_x,
                  (bounds.max_x - bounds.min_x) / canvas.cols,
                  0,
                  bounds.max_y,
                  0,
                  -(bounds.max_y - bounds.min_y) / canvas.rows};
  dataset->SetGeoTransform(gt);
  dataset->SetProjection(mercator_wkt().c_str());
  return dataset;
}

// One GDALWarp from `source` into `target`: `bands` data bands, the source's alpha or nodata (or `source_alpha`)
// marking what it covers, the target's last band its alpha; INIT_DEST=0 when `first`, else composited over it.
// Positions come from `transform` (whole-grid, so the same in every block); `scale`, when given, fixes the kernels'
// width, which GDAL would otherwise work out for each chunk from its window (another block, another width).
struct WarpStep {
  GDALResampleAlg algorithm = GRA_NearestNeighbour;
  std::vector<int> source_bands;
  int source_alpha = 0;
  std::optional<double> nodata;
  bool first = true;
  std::optional<std::pair<double, double>> scale;  // destination pixels per source pixel, along x and y
};

void warp(GDALDataset& source, GDALDataset& target, const WarpStep& step, WindowTransform& transform,
          const std::string& what) {
  raster::CapturedGdalErrors errors;
  GDALWarpOptions* wo = GDALCreateWarpOptions();
  wo->hSrcDS = GDALDataset::ToHandle(&source);
  wo->hDstDS = GDALDataset::ToHandle(&target);
  wo->eResampleAlg = step.algorithm;
  wo->eWorkingDataType = GDT_Byte;
  wo->dfWarpMemoryLimit = 32.0 * 1024 * 1024;
  const int bands = static_cast<int>(step.source_bands.size());
  wo->nBandCount = bands;
  wo->panSrcBands = static_cast<int*>(CPLMalloc(sizeof(int) * static_cast<std::size_t>(bands)));
  wo->panDstBands = static_cast<int*>(CPLMalloc(sizeof(int) * static_cast<std::size_t>(bands)));
  for (int b = 0; b < bands; ++b) {
    wo->panSrcBands[b] = step.source_bands[static_cast<std::size_t>(b)];
    wo->panDstBands[b] = b + 1;
  }
  wo->nSrcAlphaBand = step.source_alpha;
  wo->nDstAlphaBand = bands + 1;
  if (step.nodata) {
    wo->padfSrcNoDataReal = static_cast<double*>(CPLMalloc(sizeof(double) * static_cast<std::size_t>(bands)));
    for (int b = 0; b < bands; ++b) wo->padfSrcNoDataReal[b] = *step.nodata;
  }
  if (step.first) wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "0");
  // One thread: blocks are already warped in parallel, and GDAL's own threads would clone the transformer, which
  // only GDAL's transformers can be (GDAL_NUM_THREADS in the environment failed every block).
  wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "NUM_THREADS", "1");
  if (step.scale) {
    char x[32], y[32];
    std::snprintf(x, sizeof x, "%.17g", step.scale->first);
    std::snprintf(y, sizeof y, "%.17g", step.scale->second);
    wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "XSCALE", x);
    wo->papszWarpOptions = CSLSetNameValue(wo->papszWarpOptions, "YSCALE", y);
  }
  wo->pfnTransformer = &WindowTransform::transform;
  wo->pTransformerArg = &transform;
  CPLErr result = CE_Failure;
  {
    GDALWarpOperation operation;
    if (operation.Initialize(wo) == CE_None) {
      result = operation.ChunkAndWarpImage(0, 0, target.GetRasterXSize(), target.GetRasterYSize());
    }
  }
  wo->pTransformerArg = nullptr;
  GDALDestroyWarpOptions(wo);
  if (result != CE_None) {
    throw core::DataError("cannot warp " + what, errors.last_failure(),
                          "check that the scene reads throughout (gdalinfo -checksum)");
  }
}

// The scene's grid read every `step` pixels: its geotransform.
std::array<double, 6> grid_geotransform(const PyramidScene& scene, std::int64_t step) {
  const auto& gt = scene.warped_geotransform;
  const auto s = static_cast<double>(step);
  return {gt[0], gt[1] * s, gt[2] * s, gt[3], gt[4] * s, gt[5] * s};
}

// As gdal2tiles does: the scene warped (nearest) onto its own EPSG:3857 grid (the warped VRT's) over the block, with
// a margin for the kernels; then that grid resampled onto the block's canvas by `--resampling`, over what is there.
// With one scene and `average`, the second step is gdal2tiles' own query arithmetic per base tile (query_average).
// Both warps place pixels by their whole grids (grid_transform.hpp): a block of any size makes the same pixels.
void warp_scene(const PyramidLayout& layout, GDALDataset& source, std::size_t scene_index, double shift,
                GDALDataset& target, cv::Mat& canvas, const TileKey& root, bool first) {
  const PyramidScene& scene = (*layout.scenes)[scene_index];
  const auto& gt = scene.warped_geotransform;
  const GridWindow w = grid_window(layout, scene, root, shift);
  if (w.width == 0 || w.height == 0) return;
  cv::Mat native(static_cast<int>(w.height), static_cast<int>(w.width), CV_8UC(layout.channels), cv::Scalar::all(0));
  const std::int64_t x1 = w.x0 + w.width * w.step, y1 = w.y0 + w.height * w.step;
  const core::Bounds native_bounds{gt[0] + static_cast<double>(w.x0) * gt[1], gt[3] + static_cast<double>(y1) * gt[5],
                                   gt[0] + static_cast<double>(x1) * gt[1], gt[3] + static_cast<double>(w.y0) * gt[5]};
  auto grid = wrap_canvas(native, native_bounds);
  const auto grid_gt = grid_geotransform(scene, w.step);
  const std::string what = "scene '" + scene.path + "'";
  WarpStep onto_grid;
  for (int b : scene.data_bands) onto_grid.source_bands.push_back(b);
  onto_grid.source_alpha = scene.info.alpha_band;
  if (scene.info.alpha_band == 0 && !scene.info.nodata.empty()) onto_grid.nodata = scene.info.nodata[0];
  SceneToGrid scene_to_grid(source, grid_gt, what);
  scene_to_grid.place(w.x0 / w.step, w.y0 / w.step, 0, 0);
  warp(source, *grid, onto_grid, scene_to_grid, what);
  const std::int64_t across = std::int64_t{1} << (layout.zooms.max - root.z);
  if (layout.scenes->size() == 1 && layout.resampling == Resampling::average) {
    for (std::int64_t j = 0; j < across; ++j) {
      for (std::int64_t i = 0; i < across; ++i) {
        cv::Mat tile = canvas(cv::Rect(static_cast<int>(i) * layout.tile_size, static_cast<int>(j) * layout.tile_size,
                                       layout.tile_size, layout.tile_size));
        query_average(scene, native, {w.x0, w.y0, w.step, shift},
                      {layout.zooms.max, root.x * across + i, root.y * across + j}, layout.tile_size, tile);
      }
    }
    return;
  }
  const double base = resolution(layout.zooms.max, layout.tile_size);
  WarpStep onto_canvas;
  onto_canvas.algorithm = warp_algorithm(layout.resampling);
  for (int b = 1; b < layout.channels; ++b) onto_canvas.source_bands.push_back(b);
  onto_canvas.source_alpha = layout.channels;
  onto_canvas.first = first;
  onto_canvas.scale = std::pair{grid_gt[1] / base, -grid_gt[5] / base};
  auto world_gt = grid_gt;  // the grid in world coordinates: the canvas's
  world_gt[0] -= shift;
  GridToCanvas grid_to_canvas(world_gt, base);
  const std::int64_t side = across * layout.tile_size;
  grid_to_canvas.place(root.x * side, root.y * side, w.x0 / w.step, w.y0 / w.step);
  warp(*grid, target, onto_canvas, grid_to_canvas, what + " onto a block");
}

// The zoom above, each parent from its own four children as the zooms above the blocks are made (UpperLevels):
// cubic's kernel reaches past a parent's children, so halving the whole canvas at once would make other pixels than
// a block of another size (another --max-memory) does.
cv::Mat reduce_by_parent(const cv::Mat& canvas, int tile_size, Resampling resampling) {
  cv::Mat out(canvas.rows / 2, canvas.cols / 2, canvas.type());
  const int parent = 2 * tile_size;
  for (int y = 0; y < canvas.rows; y += parent) {
    for (int x = 0; x < canvas.cols; x += parent) {
      reduce(canvas(cv::Rect(x, y, parent, parent)), resampling)
          .copyTo(out(cv::Rect(x / 2, y / 2, tile_size, tile_size)));
    }
  }
  return out;
}

}  // namespace

std::int64_t grid_step(const PyramidScene& scene, int base_zoom, int tile_size) {
  const double step = std::floor(resolution(base_zoom, tile_size) / 4 / scene.pixel_size);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(step));
}

std::int64_t grid_margin(double grid_factor) {
  return std::max<std::int64_t>(3, static_cast<std::int64_t>(std::ceil(2 * grid_factor)) + 2);
}

GridWindow grid_window(const PyramidLayout& layout, const PyramidScene& scene, const TileKey& root, double shift) {
  core::Bounds block = tile_bounds(root, layout.tile_size);
  block.min_x += shift;
  block.max_x += shift;
  const auto& gt = scene.warped_geotransform;
  GridWindow w;
  w.shift = shift;
  w.step = grid_step(scene, layout.zooms.max, layout.tile_size);
  const double factor =
      resolution(layout.zooms.max, layout.tile_size) / (scene.pixel_size * static_cast<double>(w.step));
  const std::int64_t margin = grid_margin(factor) * w.step;
  // Starting on a multiple of the step, every block reads the same grid pixels (the same samples of the scene).
  w.x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor((block.min_x - gt[0]) / gt[1])) - margin);
  w.x0 -= w.x0 % w.step;
  const std::int64_t x1 =
      std::min(scene.warped_width, static_cast<std::int64_t>(std::ceil((block.max_x - gt[0]) / gt[1])) + margin);
  w.y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor((gt[3] - block.max_y) / -gt[5])) - margin);
  w.y0 -= w.y0 % w.step;
  const std::int64_t y1 =
      std::min(scene.warped_height, static_cast<std::int64_t>(std::ceil((gt[3] - block.min_y) / -gt[5])) + margin);
  if (x1 <= w.x0 || y1 <= w.y0) return w;
  w.width = (x1 - w.x0 + w.step - 1) / w.step;
  w.height = (y1 - w.y0 + w.step - 1) / w.step;
  return w;
}

std::size_t extra_grid_bytes(double grid_factor, std::size_t side, int channels) {
  if (grid_factor <= 2) return 0;
  const auto grid_side = static_cast<std::size_t>(std::ceil(static_cast<double>(side) * grid_factor)) +
                         2 * static_cast<std::size_t>(grid_margin(grid_factor) + 1);
  return grid_side * grid_side * static_cast<std::size_t>(channels);
}

bool PyramidLayout::in_range(const TileKey& t) const {
  for (const auto& per_zoom : ranges) {
    if (per_zoom[static_cast<std::size_t>(t.z)].contains(t)) return true;
  }
  return false;
}

GDALDataset& SceneHandles::at(const PyramidLayout& layout, std::size_t scene) {
  if (handles_.size() < layout.scenes->size()) handles_.resize(layout.scenes->size());
  if (!handles_[scene]) handles_[scene] = open_for_warp((*layout.scenes)[scene]);
  return *handles_[scene];
}

tiling::EncodedTile encode(const PyramidLayout& layout, const cv::Mat& pixels) {
  // GDAL's WEBP driver takes 3 or 4 bands only: a grey tile goes in as RGB(A), its grey in each of R, G and B.
  if (layout.look.format == tiling::Format::webp && pixels.channels() == 2) {
    cv::Mat rgba(pixels.rows, pixels.cols, CV_8UC4);
    const int from_to[] = {0, 0, 0, 1, 0, 2, 1, 3};
    cv::mixChannels(&pixels, 1, &rgba, 1, from_to, 4);
    return encode(layout, rgba);
  }
  // PNG through swath's encoder (png_writer.hpp): the same pixels as GDAL's driver, fewer bytes, and the xyz
  // bench's CPU time down by 44-53% (bench/README.md). Opaque tiles drop their alpha band as below.
  if (layout.png_level) {
    const int bands = pixels.channels() - (fully_opaque(pixels) ? 1 : 0);
    return encode_png(pixels.data, pixels.cols, pixels.rows, bands, pixels.channels(), pixels.step[0],
                      *layout.png_level);
  }
  raster::PixelBlock block;
  block.window = {0, 0, pixels.cols, pixels.rows};
  block.type = GDT_Byte;
  block.layout = raster::Layout::pixel_interleaved;
  for (int b = 1; b <= pixels.channels(); ++b) block.bands.push_back(b);
  const cv::Mat dense = pixels.isContinuous() ? pixels : pixels.clone();
  block.data.resize(dense.total() * dense.elemSize());
  std::memcpy(block.data.data(), dense.data, block.data.size());
  // An alpha band of 255 everywhere tells a client nothing and costs bytes and encoding time: a third of them on
  // imagery with zlib level 1 (bench/README.md). Such a tile is written with its data bands only.
  const bool without_alpha = layout.look.format == tiling::Format::jpeg || fully_opaque(pixels);
  const std::size_t bands = static_cast<std::size_t>(pixels.channels()) - (without_alpha ? 1 : 0);
  return tiling::encode_tile(block, bands, layout.look, {});
}

BuiltBlock build_block(const PyramidLayout& layout, SceneHandles& handles, const TileKey& root) {
  BuiltBlock out;
  out.root = root;
  const int depth = layout.zooms.max - root.z;
  const int side = layout.tile_size << depth;
  cv::Mat canvas(side, side, CV_8UC(layout.channels), cv::Scalar::all(0));
  const core::Bounds bounds = tile_bounds(root, layout.tile_size);
  {
    auto target = wrap_canvas(canvas, bounds);
    bool first = true;
    for (std::size_t s = 0; s < layout.scenes->size(); ++s) {
      for (const auto& part : world_parts((*layout.scenes)[s].meters)) {
        if (!overlaps(part.meters, bounds)) continue;
        warp_scene(layout, handles.at(layout, s), s, part.shift, *target, canvas, root, first);
        first = false;
      }
    }
  }
  out.pixels = static_cast<std::int64_t>(side) * side;
  for (int z = layout.zooms.max;; --z) {
    const std::int64_t across = std::int64_t{1} << (z - root.z);
    for (std::int64_t j = 0; j < across; ++j) {
      for (std::int64_t i = 0; i < across; ++i) {
        const TileKey key{z, root.x * across + i, root.y * across + j};
        cv::Mat tile = canvas(cv::Rect(static_cast<int>(i) * layout.tile_size, static_cast<int>(j) * layout.tile_size,
                                       layout.tile_size, layout.tile_size));
        const bool in_range = layout.in_range(key);
        const bool data = in_range && has_data(tile);
        // A tile without data adds nothing to its parent, as above the blocks (UpperLevels): its colours under alpha
        // 0 (cubic's lobes reach there) must not, or a block of another size would make other parents. Nor does a
        // tile out of range (the kernels spill a few pixels past the scene's last tile), which UpperLevels never
        // gets.
        if (!data) tile.setTo(cv::Scalar::all(0));
        if (!in_range) continue;
        if (!data) {
          out.empty.push_back(key);
          continue;
        }
        auto encoded = encode(layout, tile);
        std::string sha = core::sha256_hex(encoded.bytes());
        out.tiles.push_back({key, std::move(encoded), std::move(sha)});
      }
    }
    if (z == root.z) break;
    canvas = reduce_by_parent(canvas, layout.tile_size, layout.resampling);
  }
  if (has_data(canvas)) out.root_pixels = canvas;
  return out;
}

}  // namespace swath::webmap
