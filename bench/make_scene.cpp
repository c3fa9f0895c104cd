// Benchmark input generator: a W×H 3-band uint8 GeoTIFF, tiled 256×256, DEFLATE, terrain-like content plus noise.
// Usage: swath_bench_scene [--noise-dn N] OUTPUT.tif WIDTH HEIGHT
//   default (N = 15): terrain plus 4 bits of noise, which DEFLATE packs well and decodes fast (bench/tile_bench.sh's
//   first scene); --noise-dn 40: the same smooth base plus uniform noise of 0–40 DN per band and pixel, which
//   DEFLATE compresses only to ~83% (the high-entropy scene). The bytes are the same on every run.
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// Deterministic per-pixel hash (no global state, same bytes on every run).
std::uint32_t hash(std::uint32_t x, std::uint32_t y, std::uint32_t b) {
  std::uint32_t h = x * 0x9E3779B1u ^ y * 0x85EBCA77u ^ b * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  return h;
}

// Uniform noise in 0..max_dn; 15 keeps the low 4 bits of the hash (the original scene's bytes).
std::uint8_t noise(std::uint32_t x, std::uint32_t y, std::uint32_t b, std::uint32_t max_dn) {
  const std::uint32_t h = hash(x, y, b);
  if (max_dn == 15) return static_cast<std::uint8_t>(h & 15u);
  return static_cast<std::uint8_t>((h >> 8) % (max_dn + 1));
}

int usage(const char* self) {
  std::fprintf(stderr,
               "usage: %s [--noise-dn N] OUTPUT.tif WIDTH HEIGHT\n"
               "  content: a smooth terrain-like base plus uniform noise of 0..N DN per band and pixel\n"
               "  (default N = 15: 4 bits of noise; N = 40: the high-entropy scene, DEFLATE to ~83%%)\n",
               self);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t max_dn = 15;
  int arg = 1;
  if (argc > 1 && std::strcmp(argv[1], "--noise-dn") == 0) {
    if (argc < 3) return usage(argv[0]);
    const int n = std::atoi(argv[2]);
    if (n < 0 || n > 128) return usage(argv[0]);
    max_dn = static_cast<std::uint32_t>(n);
    arg = 3;
  }
  if (argc - arg != 3) return usage(argv[0]);
  const std::string path = argv[arg];
  const int width = std::atoi(argv[arg + 1]);
  const int height = std::atoi(argv[arg + 2]);
  const double top = 254.0 - max_dn;  // 239 for N = 15: the original scene's bytes
  GDALAllRegister();
  const char* options[] = {
      "TILED=YES",        "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "NUM_THREADS=ALL_CPUS",
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
          strip[(static_cast<std::size_t>(b) * h + dy) * width + x] = static_cast<std::uint8_t>(
              std::clamp(v, 0.0, top) + noise(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y),
                                              static_cast<std::uint32_t>(b), max_dn));
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
