// Benchmark input generator: a W×H 3-band uint8 GeoTIFF, tiled 256×256, DEFLATE, with terrain-like content.
// Usage: swath_bench_scene OUTPUT.tif WIDTH HEIGHT
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// Deterministic per-pixel noise (no global state, same bytes on every run).
std::uint8_t noise(std::uint32_t x, std::uint32_t y, std::uint32_t b) {
  std::uint32_t h = x * 0x9E3779B1u ^ y * 0x85EBCA77u ^ b * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return static_cast<std::uint8_t>(h & 15u);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s OUTPUT.tif WIDTH HEIGHT\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const int width = std::atoi(argv[2]);
  const int height = std::atoi(argv[3]);
  GDALAllRegister();
  const char* options[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "NUM_THREADS=ALL_CPUS",
                           "BIGTIFF=IF_SAFER", nullptr};
  GDALDatasetUniquePtr ds(GetGDALDriverManager()->GetDriverByName("GTiff")->Create(
      path.c_str(), width, height, 3, GDT_Byte, const_cast<char**>(options)));
  if (!ds) return 1;
  double gt[6] = {300000, 10, 0, 4500000, 0, -10};
  ds->SetGeoTransform(gt);
  OGRSpatialReference srs;
  srs.importFromEPSG(32633);
  ds->SetSpatialRef(&srs);
  const int rows = 256;
  std::vector<std::uint8_t> strip(static_cast<std::size_t>(width) * rows * 3);
  for (int y0 = 0; y0 < height; y0 += rows) {
    const int h = std::min(rows, height - y0);
    for (int b = 0; b < 3; ++b) {
      for (int dy = 0; dy < h; ++dy) {
        const double y = y0 + dy;
        for (int x = 0; x < width; ++x) {
          const double v = 120 + 50 * std::sin(x / 150.0 + b) * std::cos(y / 170.0) + 25 * std::sin((x + y) / 40.0);
          strip[(static_cast<std::size_t>(b) * h + dy) * width + x] =
              static_cast<std::uint8_t>(std::clamp(v, 0.0, 239.0) + noise(x, static_cast<std::uint32_t>(y), b));
        }
      }
    }
    if (ds->RasterIO(GF_Write, 0, y0, width, h, strip.data(), width, h, GDT_Byte, 3, nullptr, 1, width,
                     static_cast<GSpacing>(width) * h, nullptr) != CE_None) {
      return 1;
    }
  }
  return 0;
}
