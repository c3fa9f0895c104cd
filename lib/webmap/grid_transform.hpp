// Where a block's warps take each pixel from, worked out from the pixel's place in the whole grid it belongs to (the
// scene's EPSG:3857 grid, the base zoom's canvas), never from the window being warped.
//
// Why: GDAL's approximate transformer interpolates along each row of the window it is handed, so the same grid pixel
// landed on another source pixel in a block of another size, and a pyramid's pixels changed with --max-memory (which
// sizes the blocks): 402 of 489 base tiles of a 512 px pyramid differed between 16 MiB and the default.
#pragma once

#include <gdal_alg.h>
#include <gdal_priv.h>

#include <array>
#include <cstdint>
#include <vector>

namespace swath::webmap {

// A GDALTransformerFunc over whole grids: a warp's window has its destination pixel (0, 0) at `destination_origin` of
// the whole destination grid, and its source pixel (0, 0) at `source_origin` of the whole source grid. Offsets are
// whole pixels, so moving between a window and its whole grid is exact in floating point.
class WindowTransform {
 public:
  virtual ~WindowTransform() = default;
  WindowTransform() = default;
  WindowTransform(const WindowTransform&) = delete;
  WindowTransform& operator=(const WindowTransform&) = delete;

  void place(std::int64_t destination_x0, std::int64_t destination_y0, std::int64_t source_x0, std::int64_t source_y0);
  static int transform(void* self, int destination_to_source, int count, double* x, double* y, double* z, int* success);

 protected:
  // Whole-grid points, in place: destination to source, and back.
  virtual void to_source(int count, double* x, double* y, int* success) = 0;
  virtual void to_destination(int count, double* x, double* y, int* success) = 0;

 private:
  double destination_x0_ = 0, destination_y0_ = 0, source_x0_ = 0, source_y0_ = 0;
};

// The scene's pixels under its EPSG:3857 grid read every `step` pixels (`grid`: its geotransform). Along a grid row,
// positions are interpolated between exact ones on knots fixed on the whole grid (every 512 grid pixels, halved
// where the straight line is more than 1/8 of a source pixel off, GDAL's own tolerance), so each grid pixel gets the
// same source position from every block.
class SceneToGrid final : public WindowTransform {
 public:
  // Throws DataError naming `what` when GDAL cannot relate the scene's CRS to EPSG:3857.
  SceneToGrid(GDALDataset& scene, const std::array<double, 6>& grid, const std::string& what);
  ~SceneToGrid() override;

 protected:
  void to_source(int count, double* x, double* y, int* success) override;
  void to_destination(int count, double* x, double* y, int* success) override;

 private:
  struct Knot {
    double x = 0, y = 0;  // the source position
    bool ok = false;
  };
  // Exact source positions of whole-grid points (gx, gy), all on one row.
  void exact(std::vector<double>& gx, double gy, std::vector<Knot>& out);
  Knot exact(double gx, double gy);
  // Whether the line from `left` to `right` passes within the tolerance of `mid`.
  static bool straight(const Knot& left, const Knot& right, const Knot& mid);
  // The source position of `gx` on row `gy` in the span [a, b] of a bent interval, halving it where the line strays.
  Knot within(double gx, double gy, double a, double b, Knot left, Knot right, Knot mid);
  void row_to_source(int count, double* x, double gy, int* success, double* y);

  struct Leaf {  // the last span within() found straight
    bool valid = false;
    double gy = 0, a = 0, b = 0;
    Knot left, right;
  };
  Leaf last_leaf_;
  void* projection_ = nullptr;  // GenImgProj: the scene's pixels ↔ EPSG:3857 metres
  std::array<double, 6> grid_{};
  std::vector<double> points_x_, points_y_, points_z_;
  std::vector<int> points_ok_;
  std::vector<double> knot_x_;
  std::vector<Knot> knots_;
};

// The base zoom's canvas over a scene's grid, both EPSG:3857: an affine map, computed per pixel from whole-grid
// coordinates (canvas pixel (0, 0) is the world's north-west corner at the base zoom).
class GridToCanvas final : public WindowTransform {
 public:
  GridToCanvas(const std::array<double, 6>& grid, double canvas_resolution);

 protected:
  void to_source(int count, double* x, double* y, int* success) override;
  void to_destination(int count, double* x, double* y, int* success) override;

 private:
  std::array<double, 6> grid_{};
  double resolution_ = 0;
};

}  // namespace swath::webmap
