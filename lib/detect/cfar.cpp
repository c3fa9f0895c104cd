// CFAR: integral images → threshold mask → connected components → size filter → scored boxes.
#include "detect/cfar.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "detect/components.hpp"

namespace swath::detect {

namespace {

// Whether a sample has no data: the band's nodata value, or not a finite number whatever the band declares. NaN
// equals nothing with ==, itself included; one NaN or infinity in a ring turns its mean and variance to NaN (a
// calibrated float scene often marks no data by NaN without declaring it; a dB scene's log10(0) is -inf).
struct NoData {
  float value = std::numeric_limits<float>::quiet_NaN();  // none declared: equal to nothing
  bool operator()(float sample) const { return !std::isfinite(sample) || sample == value; }
};

// Integral images with a zero first row and column: S(x, y) = sum over [0, x) × [0, y).
// The tables live per thread and are reused: allocating megabytes per window costs more in page faults
// than the arithmetic.
struct Integrals {
  std::int64_t stride = 0;
  std::vector<double>& sum;
  std::vector<double>& squares;
  std::vector<double>& counts;  // of valid pixels, only with nodata

  Integrals(const float* image, std::int64_t width, std::int64_t height, std::optional<NoData> nodata)
      : stride(width + 1), sum(tables()[0]), squares(tables()[1]), counts(tables()[2]) {
    const auto size = static_cast<std::size_t>((width + 1) * (height + 1));
    if (sum.size() < size) sum.resize(size), squares.resize(size);
    std::fill_n(sum.begin(), stride, 0.0);
    std::fill_n(squares.begin(), stride, 0.0);
    if (nodata) count_valid(image, width, height, *nodata);
    for (std::int64_t y = 0; y < height; ++y) {
      double row = 0, row2 = 0;
      const float* in = image + y * width;
      double* s = sum.data() + (y + 1) * stride;
      double* q = squares.data() + (y + 1) * stride;
      const double* s_up = s - stride;
      const double* q_up = q - stride;
      s[0] = q[0] = 0;
      for (std::int64_t x = 0; x < width; ++x) {
        const double v = (nodata && (*nodata)(in[x])) ? 0.0 : in[x];
        row += v;
        row2 += v * v;
        s[x + 1] = s_up[x + 1] + row;
        q[x + 1] = q_up[x + 1] + row2;
      }
    }
  }

  void count_valid(const float* image, std::int64_t width, std::int64_t height, NoData nodata) {
    if (counts.size() < sum.size()) counts.resize(sum.size());
    std::fill_n(counts.begin(), stride, 0.0);
    for (std::int64_t y = 0; y < height; ++y) {
      double row = 0;
      double* c = counts.data() + (y + 1) * stride;
      c[0] = 0;
      for (std::int64_t x = 0; x < width; ++x) {
        row += nodata(image[y * width + x]) ? 0.0 : 1.0;
        c[x + 1] = c[x + 1 - stride] + row;
      }
    }
  }

  static std::array<std::vector<double>, 3>& tables() {
    thread_local std::array<std::vector<double>, 3> t;
    return t;
  }
};

// Speckle breaks bright targets into pieces and scatters lone false alarms: drop specks of fewer than
// kMinPixels, then join pieces whose boxes lie within `gap` pixels (repeated until nothing changes).
constexpr std::int64_t kMinPixels = 3;

std::vector<Component> join_fragments(std::vector<Component> parts, int gap) {
  std::erase_if(parts, [](const Component& c) { return c.pixels < kMinPixels; });
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      for (std::size_t j = i + 1; j < parts.size(); ++j) {
        auto& a = parts[i];
        const auto& b = parts[j];
        if (b.x0 > a.x1 + gap || a.x0 > b.x1 + gap || b.y0 > a.y1 + gap || a.y0 > b.y1 + gap) continue;
        a = Component{std::min(a.x0, b.x0), std::min(a.y0, b.y0), std::max(a.x1, b.x1),
                      std::max(a.y1, b.y1), a.pixels + b.pixels,  a.sum + b.sum};
        parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(j));
        changed = true;
        --j;
      }
    }
  }
  return parts;
}

}  // namespace

double normal_quantile_upper(double pfa) {
  // Acklam's approximation of the inverse normal CDF at p = 1 - pfa (relative error < 1.2e-9).
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double p = std::clamp(pfa, 1e-300, 0.5);
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = 0.5 - p, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

void cfar_mask(const float* image, std::int64_t width, std::int64_t height, const core::Window& window,
               std::int64_t guard, std::int64_t background, double k, std::vector<std::uint8_t>& mask,
               std::vector<float>& z, std::optional<float> nodata_value) {
  // Without a declared nodata, the slower counting path only for a window holding non-finite samples.
  std::optional<NoData> nodata;
  if (nodata_value) {
    nodata = NoData{*nodata_value};
  } else if (!std::all_of(image, image + width * height, [](float v) { return std::isfinite(v); })) {
    nodata = NoData{};
  }
  const Integrals integrals(image, width, height, nodata);
  mask.assign(static_cast<std::size_t>(window.pixels()), 0);
  z.assign(mask.size(), 0.0f);
  const double k2 = k * k;
  const std::int64_t stride = integrals.stride;
  // Columns whose background square lies inside the image: the common case, with a constant ring area.
  const std::int64_t inner_x0 = std::max(window.x, background),
                     inner_x1 = std::min(window.right(), width - background - 1);
  for (std::int64_t y = window.y; y < window.bottom(); ++y) {
    const std::int64_t by0 = std::max<std::int64_t>(0, y - background), by1 = std::min(height, y + background + 1);
    const std::int64_t gy0 = std::max<std::int64_t>(0, y - guard), gy1 = std::min(height, y + guard + 1);
    const double* s_b0 = integrals.sum.data() + by0 * stride;
    const double* s_b1 = integrals.sum.data() + by1 * stride;
    const double* s_g0 = integrals.sum.data() + gy0 * stride;
    const double* s_g1 = integrals.sum.data() + gy1 * stride;
    const double* q_b0 = integrals.squares.data() + by0 * stride;
    const double* q_b1 = integrals.squares.data() + by1 * stride;
    const double* q_g0 = integrals.squares.data() + gy0 * stride;
    const double* q_g1 = integrals.squares.data() + gy1 * stride;
    const float* row = image + y * width;
    std::uint8_t* mask_row = mask.data() + (y - window.y) * window.width - window.x;
    float* z_row = z.data() + (y - window.y) * window.width - window.x;
    auto test = [&](std::int64_t x, std::int64_t bx0, std::int64_t bx1, std::int64_t gx0, std::int64_t gx1,
                    double inv_n) {
      const double s =
          (s_b1[bx1] - s_b0[bx1] - s_b1[bx0] + s_b0[bx0]) - (s_g1[gx1] - s_g0[gx1] - s_g1[gx0] + s_g0[gx0]);
      const double mean = s * inv_n;
      const double excess = row[x] - mean;
      if (excess <= 0) return;  // most pixels stop here, before the squares are looked up
      const double s2 =
          (q_b1[bx1] - q_b0[bx1] - q_b1[bx0] + q_b0[bx0]) - (q_g1[gx1] - q_g0[gx1] - q_g1[gx0] + q_g0[gx0]);
      const double variance = std::max(s2 * inv_n - mean * mean, 1e-12);
      if (excess * excess > k2 * variance) {
        mask_row[x] = 1;
        // Capped: a huge sample (an undeclared 3.4e38 sentinel) over a ring whose variance cancelled to nothing gave
        // an infinite z, then a NaN score.
        z_row[x] = static_cast<float>(std::min(excess / std::sqrt(variance), 1e30));
      }
    };
    const double* c_b0 = nodata ? integrals.counts.data() + by0 * stride : nullptr;
    const double* c_b1 = nodata ? integrals.counts.data() + by1 * stride : nullptr;
    const double* c_g0 = nodata ? integrals.counts.data() + gy0 * stride : nullptr;
    const double* c_g1 = nodata ? integrals.counts.data() + gy1 * stride : nullptr;
    auto clipped = [&](std::int64_t x) {
      const std::int64_t bx0 = std::max<std::int64_t>(0, x - background), bx1 = std::min(width, x + background + 1);
      const std::int64_t gx0 = std::max<std::int64_t>(0, x - guard), gx1 = std::min(width, x + guard + 1);
      double n = static_cast<double>((bx1 - bx0) * (by1 - by0) - (gx1 - gx0) * (gy1 - gy0));
      if (nodata) {
        if ((*nodata)(row[x])) return;
        n = (c_b1[bx1] - c_b0[bx1] - c_b1[bx0] + c_b0[bx0]) - (c_g1[gx1] - c_g0[gx1] - c_g1[gx0] + c_g0[gx0]);
      }
      if (n >= 2) test(x, bx0, bx1, gx0, gx1, 1.0 / n);
    };
    if (nodata) {  // the ring's area varies with the valid pixels in it: no fast path
      for (std::int64_t x = window.x; x < window.right(); ++x) clipped(x);
      continue;
    }
    for (std::int64_t x = window.x; x < std::min(inner_x0, window.right()); ++x) clipped(x);
    const auto n = static_cast<double>((2 * background + 1) * (by1 - by0) - (2 * guard + 1) * (gy1 - gy0));
    if (n >= 2) {
      const double inv_n = 1.0 / n;
      for (std::int64_t x = inner_x0; x < inner_x1; ++x)
        test(x, x - background, x + background + 1, x - guard, x + guard + 1, inv_n);
    }
    for (std::int64_t x = std::max(inner_x0, inner_x1); x < window.right(); ++x) clipped(x);
  }
}

CfarDetector::CfarDetector(CfarOptions options) : options_(std::move(options)) {
  if (!(options_.pfa > 0 && options_.pfa < 0.5)) {
    throw core::UsageError("detect.cfar_pfa", "the false-alarm rate must be between 0 and 0.5", "for example 1e-6");
  }
  if (options_.guard >= options_.background) {
    throw core::UsageError("detect.cfar_guard", "the guard window must be smaller than the background window",
                           "for example guard 150 and background 250 (metres)");
  }
  if (options_.min_size_m > options_.max_size_m) {  // no object could pass: an empty output that looks like a result
    throw core::UsageError("detect.min_size_m " + core::Json(options_.min_size_m).dump(),
                           "larger than detect.max_size_m " + core::Json(options_.max_size_m).dump(),
                           "--min-size must not exceed --max-size");
  }
  k_ = normal_quantile_upper(options_.pfa);
}

void CfarDetector::prepare(const raster::SceneInfo& scene, const SceneMeasure&) {
  if (options_.band < 1 || options_.band > scene.band_count) {
    throw core::UsageError("detect.cfar_band " + std::to_string(options_.band),
                           "the scene '" + scene.path + "' has " + std::to_string(scene.band_count) + " band(s)");
  }
}

std::int64_t CfarDetector::in_pixels(double size, const SceneMeasure& measure) const {
  // Capped so a pixel of almost no size gives a huge margin (refused by the memory budget), not an overflow.
  const double pixels = std::ceil(options_.metres ? size / measure.pixel_metres() : size);
  if (!(pixels > 0)) return 0;  // NaN too
  return static_cast<std::int64_t>(std::min(pixels, 1e12));
}

std::int64_t CfarDetector::margin(const SceneMeasure& measure) const { return in_pixels(options_.background, measure); }

std::vector<Candidate> CfarDetector::detect(const WindowPixels& pixels, const SceneMeasure& measure) const {
  const auto& block = pixels.block;
  // The window in the block's own pixel coordinates.
  const core::Window local{pixels.window.x - block.window.x, pixels.window.y - block.window.y, pixels.window.width,
                           pixels.window.height};
  thread_local std::vector<std::uint8_t> mask;
  thread_local std::vector<float> z;
  // Each scene's own (scenes are all prepared before the first is detected).
  const auto band = static_cast<std::size_t>(options_.band - 1);
  std::optional<float> nodata;
  if (band < measure.nodata.size() && measure.nodata[band]) nodata = static_cast<float>(*measure.nodata[band]);
  const auto* image = reinterpret_cast<const float*>(block.band_data(0));
  cfar_mask(image, block.window.width, block.window.height, local, in_pixels(options_.guard, measure),
            in_pixels(options_.background, measure), k_, mask, z, nodata);
  std::vector<Candidate> out;
  for (const auto& c : join_fragments(connected_components(mask, local.width, local.height, 1, z), options_.join)) {
    const double longest = std::max(static_cast<double>(c.x1 - c.x0) * measure.pixel_width_m,
                                    static_cast<double>(c.y1 - c.y0) * measure.pixel_height_m);
    if (longest < options_.min_size_m || longest > options_.max_size_m) continue;
    const double mean_z = c.sum / static_cast<double>(c.pixels);
    Candidate candidate;
    candidate.cls = options_.cls;
    candidate.score = std::clamp(mean_z / (mean_z + k_), 0.0, 1.0);
    if (candidate.score < options_.min_score) continue;
    candidate.x0 = static_cast<double>(pixels.window.x + c.x0);
    candidate.y0 = static_cast<double>(pixels.window.y + c.y0);
    candidate.x1 = static_cast<double>(pixels.window.x + c.x1);
    candidate.y1 = static_cast<double>(pixels.window.y + c.y1);
    out.push_back(std::move(candidate));
  }
  return out;
}

core::Json CfarDetector::options_json() const {
  return core::Json::Object{{"pfa", options_.pfa},
                            {"guard", options_.guard},
                            {"background", options_.background},
                            {"units", options_.metres ? "metres" : "pixels"},
                            {"min_size_m", options_.min_size_m},
                            {"max_size_m", options_.max_size_m},
                            {"join", options_.join},
                            {"min_score", options_.min_score},
                            {"band", options_.band},
                            {"class", options_.cls}};
}

}  // namespace swath::detect
