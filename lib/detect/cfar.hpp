// Two-parameter CFAR for bright targets on a dark background (ships on SAR or water).
// Per pixel: mean and deviation of a background ring (background square minus guard square), from
// integral images of x and x², so the cost per pixel does not depend on the window sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "detect/detector.hpp"

namespace swath::detect {

struct CfarOptions {
  double pfa = 1e-6;        // false-alarm rate per pixel, under a Gaussian background
  double guard = 150;       // half-size of the guard square (excluded from the background)
  double background = 250;  // half-size of the background square
  bool metres = true;       // guard/background in metres (else pixels)
  double min_size_m = 25;   // longest side of an object's box, in metres
  double max_size_m = 600;
  int join = 3;  // pieces (8-connected, 3+ pixels) whose boxes are this close are one object
  // Score = z̄/(z̄+k), z̄ the object's mean excess over its background in σ: 0.5 at the pixel threshold.
  // Lone clutter spikes barely pass it; targets stand well above.
  double min_score = 0.62;
  int band = 1;
  std::string cls = "ship";
};

// The threshold factor k with P(z > k) = pfa for a standard normal z (Acklam's rational approximation).
double normal_quantile_upper(double pfa);

// Pure kernel: the mask of pixels of `window` (inside a `width`×`height` image) brighter than μ + kσ of
// their background ring, with z = (x-μ)/σ in `z` for set pixels. Rings are clipped to the image, and
// `nodata` pixels (padding, outside the swath; a NaN nodata matches NaN and the infinities) are neither tested nor
// counted in any ring.
void cfar_mask(const float* image, std::int64_t width, std::int64_t height, const core::Window& window,
               std::int64_t guard, std::int64_t background, double k, std::vector<std::uint8_t>& mask,
               std::vector<float>& z, std::optional<float> nodata = std::nullopt);

class CfarDetector final : public Detector {
 public:
  explicit CfarDetector(CfarOptions options);
  std::string name() const override { return "cfar"; }
  void prepare(const raster::SceneInfo& scene, const SceneMeasure& measure) override;
  std::int64_t margin(const SceneMeasure& measure) const override;
  std::vector<int> bands(const SceneMeasure&) const override { return {options_.band}; }
  std::vector<Candidate> detect(const WindowPixels& pixels, const SceneMeasure& measure) const override;
  core::Json options_json() const override;

 private:
  std::int64_t in_pixels(double size, const SceneMeasure& measure) const;
  CfarOptions options_;
  double k_ = 0;
};

}  // namespace swath::detect
