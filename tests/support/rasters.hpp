// Rasters with known pixels for tests, written with GDAL to files or /vsimem/.
#pragma once

#include <gdal_priv.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace swath::test {

struct SceneSpec {
  int width = 64;
  int height = 48;
  int bands = 3;
  GDALDataType type = GDT_UInt16;
  std::function<double(int band, int x, int y)> pixel = [](int b, int x, int y) { return b * 10000 + y * 100 + x; };
  std::optional<double> nodata{};
  bool georeferenced = true;                    // UTM 18N, 10 m pixels at (500000, 4000000)
  std::vector<std::string> creation_options{};  // GTiff, e.g. TILED=YES
  int alpha_band = 0;                           // 1-based band marked as alpha
};

// Writes a GTiff at `path` with pixel(b, x, y) in band b (1-based); returns `path`.
std::string make_scene(const std::string& path, const SceneSpec& spec = {});

// Pixel (x, y) of 1-based `band` of the raster at `path`, as double.
double pixel_at(GDALDataset& dataset, int band, int x, int y);

// Every pixel of 1-based `band`, row-major, as double.
std::vector<double> read_band(GDALDataset& dataset, int band);

// The geotransform make_scene writes when georeferenced.
inline constexpr double scene_geotransform[6] = {500000, 10, 0, 4000000, 0, -10};

// Overwrites the first compressed block of band 1 of a tiled GTiff, block (bx, by), with garbage.
void corrupt_block(const std::string& path, int bx, int by);

}  // namespace swath::test
