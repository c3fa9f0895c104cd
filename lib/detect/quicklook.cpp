// Quicklook: GDAL reads an overview-sized buffer, a percentile stretch makes it 8-bit, OpenCV draws boxes,
// GDAL's PNG driver writes it.
#include "detect/quicklook.hpp"

#include <gdal_priv.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "raster/gdal_config.hpp"
#include "raster/gdal_errors.hpp"
#include "raster/memory_file.hpp"

namespace swath::detect {

namespace {

constexpr int kMaxSide = 1024;

// 2nd–98th percentile stretch to 0..255, one range for all three channels so colours keep their balance.
void stretch(const std::vector<std::vector<float>>& bands, cv::Mat& rgb) {
  std::vector<float> sample;
  for (const auto& band : bands) {
    for (std::size_t i = 0; i < band.size(); i += 7) sample.push_back(band[i]);
  }
  std::sort(sample.begin(), sample.end());
  const float lo = sample[sample.size() * 2 / 100], hi = sample[sample.size() * 98 / 100];
  const float scale = hi > lo ? 255.0f / (hi - lo) : 1.0f;
  auto* out = rgb.ptr<std::uint8_t>();
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t i = 0; i < bands[c].size(); ++i) {
      out[i * 3 + c] = static_cast<std::uint8_t>(std::clamp((bands[c][i] - lo) * scale, 0.0f, 255.0f));
    }
  }
}

// GDAL's progress callback during the downsampled read: returning FALSE aborts it, so a stop request is not
// kept waiting for a read of the whole scene.
int keep_going(double, const char*, void* stop) {
  const auto& predicate = *static_cast<const std::function<bool()>*>(stop);
  return predicate && predicate() ? FALSE : TRUE;
}

cv::Scalar colour_of(const std::string& cls) {
  static const cv::Scalar palette[] = {{255, 40, 40}, {255, 220, 0}, {0, 200, 255}, {255, 0, 255}, {0, 255, 80}};
  std::size_t h = 0;
  for (char c : cls) h = h * 31 + static_cast<unsigned char>(c);
  return palette[h % 5];
}

}  // namespace

void stage_quicklook(const std::string& png, const PreparedScene& scene, const std::vector<Detection>& detections,
                     const std::string& label, const std::function<bool()>& stop, core::StagedFiles& staged) {
  const auto& info = scene.info;
  const std::string& scene_path = info.path;
  const double factor = std::max(1.0, static_cast<double>(std::max(info.width, info.height)) / kMaxSide);
  const int w = std::max(1, static_cast<int>(std::lround(static_cast<double>(info.width) / factor)));
  const int h = std::max(1, static_cast<int>(std::lround(static_cast<double>(info.height) / factor)));
  auto dataset = raster::open_scene(scene_path);
  cv::Mat rgb(h, w, CV_8UC3, cv::Scalar(0, 0, 0));
  std::vector<std::vector<float>> bands(3,
                                        std::vector<float>(static_cast<std::size_t>(w) * static_cast<std::size_t>(h)));
  raster::CapturedGdalErrors errors;
  GDALRasterIOExtraArg extra;
  INIT_RASTERIO_EXTRA_ARG(extra);
  extra.pfnProgress = keep_going;
  extra.pProgressData = const_cast<std::function<bool()>*>(&stop);
  for (int c = 0; c < 3; ++c) {
    if (info.band_count < 3 && c > 0) {  // grey: one read, three channels
      bands[static_cast<std::size_t>(c)] = bands[0];
      continue;
    }
    const int source = info.band_count < 3 ? 1 : c + 1;
    if (dataset->GetRasterBand(source)->RasterIO(
            GF_Read, 0, 0, static_cast<int>(info.width), static_cast<int>(info.height),
            bands[static_cast<std::size_t>(c)].data(), w, h, GDT_Float32, 0, 0, &extra) != CE_None) {
      if (stop && stop()) throw core::Interrupted("detection interrupted");
      throw core::DataError("quicklook of '" + scene_path + "'", errors.last_failure());
    }
  }
  stretch(bands, rgb);
  double inverse[6];
  if (!GDALInvGeoTransform(const_cast<double*>(scene.to_map.c.data()), inverse)) {
    throw core::DataError("quicklook of '" + scene_path + "'", "its geotransform cannot be inverted");
  }
  for (const auto& d : detections) {
    if (d.scene != label) continue;
    const double px[2] = {inverse[0] + d.box.min_x * inverse[1] + d.box.min_y * inverse[2],
                          inverse[0] + d.box.max_x * inverse[1] + d.box.max_y * inverse[2]};
    const double py[2] = {inverse[3] + d.box.min_x * inverse[4] + d.box.min_y * inverse[5],
                          inverse[3] + d.box.max_x * inverse[4] + d.box.max_y * inverse[5]};
    const cv::Point a(static_cast<int>(std::min(px[0], px[1]) / factor) - 2,
                      static_cast<int>(std::min(py[0], py[1]) / factor) - 2);
    const cv::Point b(static_cast<int>(std::max(px[0], px[1]) / factor) + 2,
                      static_cast<int>(std::max(py[0], py[1]) / factor) + 2);
    cv::rectangle(rgb, a, b, colour_of(d.cls), 1);
  }
  auto* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr image(mem->Create("", w, h, 3, GDT_Byte, nullptr));
  if (image->RasterIO(GF_Write, 0, 0, w, h, rgb.data, w, h, GDT_Byte, 3, nullptr, 3, static_cast<GSpacing>(w) * 3, 1,
                      nullptr) != CE_None) {
    throw core::IoError("quicklook '" + png + "'", errors.last_failure());
  }
  // Encoded in memory, then written with checked writes: libpng's messages for a full disk ("No IDATs written")
  // would hide the reason.
  const raster::MemoryFile file("quicklook.png");
  {
    const raster::ScopedConfigOption no_sidecar("GDAL_PAM_ENABLED", "NO");
    GDALDatasetUniquePtr written(GetGDALDriverManager()->GetDriverByName("PNG")->CreateCopy(
        file.path().c_str(), image.get(), FALSE, nullptr, nullptr, nullptr));
    if (!written) throw core::IoError("quicklook '" + png + "'", errors.last_failure("cannot encode it"));
  }
  if (errors.failed()) throw core::IoError("quicklook '" + png + "'", errors.last_failure());
  staged.write(png, file.bytes(png));
}

}  // namespace swath::detect
