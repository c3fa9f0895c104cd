// CFAR kernel against a brute-force reference, the threshold factor, components and fragment joining.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "core/errors.hpp"
#include "detect/cfar.hpp"
#include "detect/components.hpp"
#include "synth/prng.hpp"

using namespace swath;

TEST_CASE("cfar: the threshold factor is the upper normal quantile") {
  CHECK(detect::normal_quantile_upper(0.5) == doctest::Approx(0.0).epsilon(1e-9));
  CHECK(detect::normal_quantile_upper(0.025) == doctest::Approx(1.959964).epsilon(1e-6));
  CHECK(detect::normal_quantile_upper(1e-6) == doctest::Approx(4.753424).epsilon(1e-6));
}

TEST_CASE("cfar: integral-image statistics equal a brute-force ring, clipped at the image edges and nodata") {
  // No nodata, nodata 0, nodata NaN (which == never matches: the kernel must tell it by isnan), and no nodata
  // declared but NaN and infinite samples here and there (never data: one would turn its rings' statistics to NaN).
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (const auto& [nodata, sprinkled] :
       {std::pair{std::optional<float>(), false}, std::pair{std::optional(0.0f), false},
        std::pair{std::optional(nan), false}, std::pair{std::optional<float>(), true}}) {
    const bool with_nodata = nodata.has_value();
    CAPTURE(with_nodata);
    CAPTURE(with_nodata && std::isnan(*nodata));
    CAPTURE(sprinkled);
    const auto is_nodata = [&](double v) { return !std::isfinite(v) || (nodata && v == *nodata); };
    const std::int64_t w = 37, h = 29, guard = 2, background = 5;
    std::vector<float> image(static_cast<std::size_t>(w * h));
    synth::Rng rng(5);
    for (auto& v : image) v = static_cast<float>(1 + std::floor(100 * rng.exponential()));
    if (sprinkled) {
      for (std::size_t i = 17; i < image.size(); i += 97) image[i] = (i % 2) ? nan : -inf;
    }
    if (with_nodata) {
      for (std::int64_t y = 0; y < h; ++y) {
        for (std::int64_t x = 25; x < w; ++x)
          image[static_cast<std::size_t>(y * w + x)] = *nodata;  // padding on the right
      }
    }
    const double k = 1.5;
    const core::Window window{3, 4, 30, 20};
    std::vector<std::uint8_t> mask;
    std::vector<float> z;
    detect::cfar_mask(image.data(), w, h, window, guard, background, k, mask, z, nodata);
    int set = 0;
    for (std::int64_t y = window.y; y < window.bottom(); ++y) {
      for (std::int64_t x = window.x; x < window.right(); ++x) {
        double s = 0, s2 = 0, n = 0;
        for (std::int64_t yy = std::max<std::int64_t>(0, y - background); yy <= std::min(h - 1, y + background); ++yy) {
          for (std::int64_t xx = std::max<std::int64_t>(0, x - background); xx <= std::min(w - 1, x + background);
               ++xx) {
            if (std::abs(yy - y) <= guard && std::abs(xx - x) <= guard) continue;
            const double v = image[static_cast<std::size_t>(yy * w + xx)];
            if (is_nodata(v)) continue;
            s += v, s2 += v * v, n += 1;
          }
        }
        const double mean = s / n, sd = std::sqrt(s2 / n - mean * mean);
        const bool valid = !is_nodata(image[static_cast<std::size_t>(y * w + x)]);
        const bool expected = valid && image[static_cast<std::size_t>(y * w + x)] > mean + k * sd;
        const auto i = static_cast<std::size_t>((y - window.y) * window.width + (x - window.x));
        CAPTURE(x);
        CAPTURE(y);
        REQUIRE(static_cast<bool>(mask[i]) == expected);
        if (expected)
          CHECK(z[i] == doctest::Approx((image[static_cast<std::size_t>(y * w + x)] - mean) / sd).epsilon(1e-4));
        set += expected;
      }
    }
    CHECK(set > 10);  // the comparison covered both outcomes
    CHECK(set < 300);
  }
}

TEST_CASE("cfar: components are 8-connected, ordered, with boxes and sums") {
  // 0 1 1 0 0
  // 0 0 0 1 0
  // 1 0 0 0 0
  const std::vector<std::uint8_t> mask{0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0};
  const std::vector<float> value{0, 1, 2, 0, 0, 0, 0, 0, 4, 0, 8, 0, 0, 0, 0};
  const auto parts = detect::connected_components(mask, 5, 3, 1, value);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].x0 == 1);
  CHECK(parts[0].x1 == 4);
  CHECK(parts[0].y1 == 2);
  CHECK(parts[0].pixels == 3);
  CHECK(parts[0].sum == 7);
  CHECK(parts[1].pixels == 1);
  CHECK(detect::connected_components(mask, 5, 3, 2, {}).size() == 1);  // join 2 bridges the gap
}

namespace {
// A one-band float block of `w` × `h` sea clutter (gamma, 4 looks, mean 100) from `seed`, at the scene's origin.
std::vector<float> clutter(std::int64_t w, std::int64_t h, std::uint64_t seed) {
  std::vector<float> image(static_cast<std::size_t>(w * h));
  synth::Rng rng(seed);
  for (auto& v : image) v = static_cast<float>(100 * rng.gamma_looks(4));
  return image;
}

raster::PixelBlock float_block(const std::vector<float>& image, std::int64_t w, std::int64_t h) {
  raster::PixelBlock block;
  block.window = {0, 0, w, h};
  block.bands = {1};
  block.type = GDT_Float32;
  block.data.resize(image.size() * 4);
  std::memcpy(block.data.data(), image.data(), block.data.size());
  return block;
}
}  // namespace

TEST_CASE("cfar: a bright ship on flat clutter is one box; size and guard options are checked") {
  const std::int64_t w = 120, h = 100;
  auto image = clutter(w, h, 9);
  for (std::int64_t y = 40; y < 44; ++y) {
    for (std::int64_t x = 50; x < 70; ++x) image[static_cast<std::size_t>(y * w + x)] = 3000;
  }
  const auto block = float_block(image, w, h);
  detect::CfarOptions options;
  options.metres = false;
  options.guard = 15;
  options.background = 30;
  options.min_size_m = 50;  // 5 m pixels: at least 10 px long
  detect::CfarDetector detector(options);
  detect::SceneMeasure measure;
  measure.pixel_width_m = measure.pixel_height_m = 5;
  const std::vector<std::uint8_t> all_data;
  const auto found = detector.detect({block, {0, 0, w, h}, all_data}, measure);
  REQUIRE(found.size() == 1);
  CHECK(found[0].x0 == 50);
  CHECK(found[0].x1 == 70);
  CHECK(found[0].y0 == 40);
  CHECK(found[0].y1 == 44);
  CHECK(found[0].score > 0.62);
  CHECK(detector.margin(measure) == 30);
  options.guard = 40;
  CHECK_THROWS_AS(detect::CfarDetector{options}, core::UsageError);
  options.guard = 5;
  options.min_size_m = 100;  // no object could be kept: refused, not an empty result
  options.max_size_m = 10;
  CHECK_THROWS_WITH_AS(detect::CfarDetector{options}, doctest::Contains("larger than detect.max_size_m 10"),
                       core::UsageError);
}

TEST_CASE("cfar: a huge finite sample (an undeclared float sentinel) gives finite scores, never NaN") {
  const std::int64_t w = 120, h = 100;
  auto image = clutter(w, h, 3);
  image[static_cast<std::size_t>(50 * w + 60)] = 3.4e38f;
  const auto block = float_block(image, w, h);
  detect::CfarOptions options;
  options.metres = false;
  options.guard = 5;
  options.background = 20;
  options.min_size_m = 0;
  detect::CfarDetector detector(options);
  const std::vector<std::uint8_t> all_data;
  const auto found = detector.detect({block, {0, 0, w, h}, all_data}, detect::SceneMeasure{});
  REQUIRE_FALSE(found.empty());
  for (const auto& c : found) {
    CHECK(std::isfinite(c.score));
    CHECK(c.score >= 0);
    CHECK(c.score <= 1);
  }
}
