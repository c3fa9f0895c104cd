// Geometry shared by every module: pixel windows, affine geotransforms and bounding boxes.
#pragma once

#include <array>
#include <cstdint>

namespace swath::core {

// A rectangle of pixels: column x, row y, width, height (x, y may be negative or past the edge for padded tiles).
struct Window {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t width = 0;
  std::int64_t height = 0;

  std::int64_t right() const { return x + width; }
  std::int64_t bottom() const { return y + height; }
  std::int64_t pixels() const { return width * height; }
  bool empty() const { return width <= 0 || height <= 0; }
  Window intersect(const Window& other) const;
  friend bool operator==(const Window&, const Window&) = default;
};

struct Bounds {
  double min_x = 0;
  double min_y = 0;
  double max_x = 0;
  double max_y = 0;
  friend bool operator==(const Bounds&, const Bounds&) = default;
};

// GDAL's affine geotransform: x = c[0] + col·c[1] + row·c[2], y = c[3] + col·c[4] + row·c[5].
struct GeoTransform {
  std::array<double, 6> c{0, 1, 0, 0, 0, 1};

  std::array<double, 2> apply(double col, double row) const {
    return {c[0] + col * c[1] + row * c[2], c[3] + col * c[4] + row * c[5]};
  }
  // The geotransform of a window's top-left pixel (same resolution).
  GeoTransform shifted(std::int64_t col, std::int64_t row) const;
  // Axis-aligned bounds of the window's four corners.
  Bounds bounds_of(const Window& window) const;
  // Rows run along map y and columns along map x: no rotation or shear terms.
  bool north_up() const { return c[2] == 0 && c[4] == 0; }
};

}  // namespace swath::core
