// Backgrounds (K-distributed sea clutter, fractal land texture) and objects drawn with sub-pixel coverage.
#include "synth/render.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "log/logger.hpp"
#include "synth/prng.hpp"

namespace swath::synth {

namespace {

constexpr double kClutterMean = 300;  // DN of the mean sea intensity
constexpr int kLooks = 3;

// Bilinearly interpolated lattice noise at `spacing` pixels, in [0, 1).
double value_noise(std::uint64_t seed, double x, double y, double spacing) {
  const double gx = x / spacing, gy = y / spacing;
  const auto ix = static_cast<std::int64_t>(std::floor(gx)), iy = static_cast<std::int64_t>(std::floor(gy));
  const double fx = gx - static_cast<double>(ix), fy = gy - static_cast<double>(iy);
  const double sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
  const double a = lattice_value(seed, ix, iy), b = lattice_value(seed, ix + 1, iy);
  const double c = lattice_value(seed, ix, iy + 1), d = lattice_value(seed, ix + 1, iy + 1);
  return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy;
}

// The K-distribution's texture: gamma(shape 6, mean 1) on a lattice of `kTextureSpacing` pixels, interpolated.
constexpr std::int64_t kTextureSpacing = 24;

class Texture {
 public:
  Texture(std::uint64_t seed, std::int64_t width, std::int64_t height)
      : columns_(width / kTextureSpacing + 2),
        nodes_(static_cast<std::size_t>(columns_ * (height / kTextureSpacing + 2))) {
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      double sum = 0;
      const auto i = static_cast<std::int64_t>(n) % columns_, j = static_cast<std::int64_t>(n) / columns_;
      for (std::uint64_t k = 0; k < 6; ++k) sum -= std::log1p(-lattice_value(seed + k * 7919, i, j));
      nodes_[n] = sum / 6;
    }
  }
  double at(std::int64_t x, std::int64_t y) const {
    const std::int64_t ix = x / kTextureSpacing, iy = y / kTextureSpacing;
    const double fx = static_cast<double>(x % kTextureSpacing) / kTextureSpacing;
    const double fy = static_cast<double>(y % kTextureSpacing) / kTextureSpacing;
    const double a = node(ix, iy), b = node(ix + 1, iy), c = node(ix, iy + 1), d = node(ix + 1, iy + 1);
    return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
  }

 private:
  double node(std::int64_t i, std::int64_t j) const { return nodes_[static_cast<std::size_t>(j * columns_ + i)]; }
  std::int64_t columns_;
  std::vector<double> nodes_;
};

// Fraction of pixel (px, py) inside the object's rotated rectangle (4×4 samples).
double coverage(const SynthObject& o, std::int64_t px, std::int64_t py) {
  const double along_x = std::sin(o.heading), along_y = -std::cos(o.heading);  // heading: clockwise from up
  int inside = 0;
  for (int sy = 0; sy < 4; ++sy) {
    for (int sx = 0; sx < 4; ++sx) {
      const double dx = static_cast<double>(px) + (sx + 0.5) / 4 - o.cx;
      const double dy = static_cast<double>(py) + (sy + 0.5) / 4 - o.cy;
      const double along = dx * along_x + dy * along_y;
      const double across = -dx * along_y + dy * along_x;
      if (o.cls == "water") {  // an ellipse
        const double a = along / (o.length / 2), b = across / (o.width / 2);
        if (a * a + b * b <= 1) ++inside;
      } else if (std::abs(along) <= o.length / 2 && std::abs(across) <= o.width / 2) {
        ++inside;
      }
    }
  }
  return inside / 16.0;
}

core::Window pixel_range(const SynthObject& o, std::int64_t width, std::int64_t height) {
  const double r = std::hypot(o.length, o.width) / 2 + 2;
  const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(o.cx - r)));
  const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(o.cy - r)));
  const auto x1 = std::min<std::int64_t>(width, static_cast<std::int64_t>(std::ceil(o.cx + r)));
  const auto y1 = std::min<std::int64_t>(height, static_cast<std::int64_t>(std::ceil(o.cy + r)));
  return {x0, y0, x1 - x0, y1 - y0};
}

// Draws each object through `blend(index, coverage, pixel offset)` and records its half-covered box.
template <class Blend>
std::vector<core::Window> draw_objects(const SynthOptions& options, const std::vector<SynthObject>& objects,
                                       Blend blend) {
  const std::int64_t width = options.width, height = options.height;
  std::vector<core::Window> boxes;
  for (const auto& o : objects) {
    throw_if_stopped(options);
    const auto range = pixel_range(o, width, height);
    std::int64_t x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (std::int64_t y = range.y; y < range.bottom(); ++y) {
      for (std::int64_t x = range.x; x < range.right(); ++x) {
        const double f = coverage(o, x, y);
        if (f <= 0) continue;
        blend(o, f, static_cast<std::size_t>(y * width + x));
        if (f >= 0.5) {
          x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
        }
      }
    }
    boxes.push_back(x1 < 0 ? core::Window{} : core::Window{x0, y0, x1 - x0 + 1, y1 - y0 + 1});
  }
  return boxes;
}

void render_sar(const SynthOptions& options, const std::vector<SynthObject>& objects, Rendered& out) {
  const auto pixels = static_cast<std::size_t>(options.width * options.height);
  std::vector<double> mean(pixels);  // noise-free intensity: clutter texture, then objects
  const Texture texture(options.seed ^ 0x5A5A5A5AULL, options.width, options.height);
  for (std::int64_t y = 0; y < options.height; ++y) {
    throw_if_stopped(options);
    for (std::int64_t x = 0; x < options.width; ++x) {
      mean[static_cast<std::size_t>(y * options.width + x)] = kClutterMean * texture.at(x, y);
    }
  }
  out.boxes = draw_objects(options, objects, [&](const SynthObject& o, double f, std::size_t i) {
    mean[i] = mean[i] * (1 - f) + kClutterMean * o.contrast * f;
  });
  Rng rng(options.seed * 0x9E3779B97F4A7C15ULL + 17);
  out.sar.resize(pixels);
  const auto width = static_cast<std::size_t>(options.width);
  for (std::size_t row = 0; row < pixels; row += width) {
    throw_if_stopped(options);
    for (std::size_t i = row; i < row + width; ++i) {
      const double v = std::round(mean[i] * rng.gamma_looks(kLooks));
      out.sar[i] = static_cast<std::uint16_t>(std::clamp(v, 1.0, 65535.0));
    }
  }
}

void render_optical(const SynthOptions& options, const std::vector<SynthObject>& objects, Rendered& out) {
  const auto pixels = static_cast<std::size_t>(options.width * options.height);
  const auto bands = static_cast<std::size_t>(out.bands);
  out.optical.assign(bands * pixels, 0);
  std::vector<double> rgb(bands * pixels);  // R, G, B and (4 bands) NIR
  const std::uint64_t seed = options.seed ^ 0xA5A5A5A5ULL;
  Rng rng(options.seed * 0x9E3779B97F4A7C15ULL + 29);
  const double field[4] = {78, 104, 58, 185}, soil[4] = {150, 128, 96, 115};  // vegetation is bright in NIR
  for (std::int64_t y = 0; y < options.height; ++y) {
    throw_if_stopped(options);
    for (std::int64_t x = 0; x < options.width; ++x) {
      const double fx = static_cast<double>(x), fy = static_cast<double>(y);
      double detail = 0;
      for (int octave = 0; octave < 4; ++octave) {
        detail += value_noise(seed + static_cast<std::uint64_t>(octave), fx, fy, 96.0 / (1 << octave)) / (1 << octave);
      }
      const double mix = std::clamp((value_noise(seed + 99, fx, fy, 160) - 0.5) * 3 + 0.5, 0.0, 1.0);
      const double shade = 0.75 + 0.25 * detail / 1.875;
      const std::size_t i = static_cast<std::size_t>(y * options.width + x);
      for (std::size_t b = 0; b < bands; ++b) {
        rgb[b * pixels + i] = (field[b] * (1 - mix) + soil[b] * mix) * shade + (rng.uniform() - 0.5) * 16;
      }
    }
  }
  out.boxes = draw_objects(options, objects, [&](const SynthObject& o, double f, std::size_t i) {
    // Water: dark blue-green, black in NIR; paint reflects NIR about as much as visible light.
    const double water[4] = {45, 72, 84, 12};
    const double paint_nir = (o.color[0] + o.color[1] + o.color[2]) / 3.0;
    for (std::size_t b = 0; b < bands; ++b) {
      auto& v = rgb[b * pixels + i];
      const double target = o.cls == "water" ? water[b] : (b < 3 ? o.color[b] : paint_nir);
      v = v * (1 - f) + target * f;
    }
  });
  for (std::size_t i = 0; i < bands * pixels; ++i) {
    out.optical[i] = static_cast<std::uint8_t>(std::clamp(std::round(rgb[i]), 0.0, 255.0));
  }
}

}  // namespace

void throw_if_stopped(const SynthOptions& options) {
  if (!options.stop || !options.stop()) return;
  log::get("synth")->warn("interrupted: nothing written");
  throw core::Interrupted("interrupted, nothing written");  // planning, rendering or writing
}

Rendered render(const SynthOptions& options, const std::vector<SynthObject>& objects) {
  Rendered out;
  if (options.kind == Kind::sar) {
    render_sar(options, objects, out);
  } else {
    out.bands = options.bands;
    render_optical(options, objects, out);
  }
  return out;
}

}  // namespace swath::synth
