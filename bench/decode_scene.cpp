// Benchmark helper: the decode-only floor of a scene. N threads, each with its own GDAL handle, read every
// block of the scene (all bands, pixel-interleaved, as swath tile reads them) once; prints the wall seconds.
// Usage: swath_bench_decode SCENE.tif THREADS
#include <gdal_priv.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SCENE.tif THREADS\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  const int threads = std::max(1, std::atoi(argv[2]));
  GDALAllRegister();
  GDALSetCacheMax64(64 << 20);  // swath's default gdal.cache_mb
  GDALDatasetUniquePtr probe(GDALDataset::Open(path, GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (!probe) return 1;
  const int width = probe->GetRasterXSize();
  const int height = probe->GetRasterYSize();
  const int bands = probe->GetRasterCount();
  int bw = 0;
  int bh = 0;
  probe->GetRasterBand(1)->GetBlockSize(&bw, &bh);
  const int across = (width + bw - 1) / bw;
  const int blocks = across * ((height + bh - 1) / bh);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      GDALDatasetUniquePtr ds(GDALDataset::Open(path, GDAL_OF_RASTER | GDAL_OF_READONLY));
      if (!ds) {
        failed = true;
        return;
      }
      std::vector<GByte> buffer(static_cast<std::size_t>(bw) * bh * bands);
      for (int i = next++; i < blocks; i = next++) {
        const int x = i % across * bw;
        const int y = i / across * bh;
        const int w = std::min(bw, width - x);
        const int h = std::min(bh, height - y);
        if (ds->RasterIO(GF_Read, x, y, w, h, buffer.data(), w, h, GDT_Byte, bands, nullptr, bands,
                         static_cast<GSpacing>(w) * bands, 1, nullptr) != CE_None) {
          failed = true;
        }
      }
    });
  }
  for (auto& thread : pool) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) return 1;
  std::printf("%.3f\n", seconds);
  return 0;
}
