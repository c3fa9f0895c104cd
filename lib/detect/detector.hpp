// The detector interface: a window of pixels in, candidate objects in scene pixel coordinates out.
// One detector object serves every thread: detect() is const and thread-safe (per-thread state inside).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.hpp"
#include "core/json.hpp"
#include "detect/detection.hpp"
#include "raster/scene.hpp"
#include "raster/window_reader.hpp"
#include "vector/layer.hpp"

namespace swath::detect {

// One object found in a window, in scene pixel coordinates (pixel edges: x1 = last column + 1).
struct Candidate {
  std::string cls;
  double score = 0;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  vector::Shape shape;  // optional outline (scene pixels); empty: the box
  bool cut = false;     // the outline reaches the edge of the pixels its window read: the region may go on beyond
  double min_area = 0;  // pixels: the region is dropped after merging when smaller (set on cut pieces below it)
  std::uint8_t cut_sides = 0;  // BoxSide bits of a box (no outline) on its window's edge: the object may go on there
};

// What a detector needs to know about the scene it works on.
struct SceneMeasure {
  // A pixel's ground size along a row and down a column, measured at the scene's centre (detect/scene_setup);
  // 1 with --allow-pixel-coords: sizes are then in pixels.
  double pixel_width_m = 1;
  double pixel_height_m = 1;
  // The side of a square of the pixel's ground area: what turns a context in metres into pixels.
  double pixel_metres() const { return std::sqrt(pixel_width_m * pixel_height_m); }
  std::vector<std::string> band_names;        // lower-case, per band: description or colour ("red", "nir", ...)
  std::vector<std::optional<double>> nodata;  // per band
};

// The pixels a detector gets: `block` covers `window` plus up to margin() pixels of context on each side
// (clipped to the scene); candidates are reported for objects that touch `window`.
struct WindowPixels {
  const raster::PixelBlock& block;
  core::Window window;
  // Per block pixel, row-major: 1 where the scene has data (not nodata, not transparent); empty when it has no
  // nodata or alpha, or the detector does not ask for it (uses_data_mask). Box detectors are filtered by their
  // centre afterwards; outline detectors use it themselves.
  const std::vector<std::uint8_t>& data_mask;
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string name() const = 0;
  // Checks the scene suits this detector (bands, type); throws UsageError / DataError with the reason.
  virtual void prepare(const raster::SceneInfo& scene, const SceneMeasure& measure) = 0;
  // Pixels of context read around each window.
  virtual std::int64_t margin(const SceneMeasure&) const { return 0; }
  // Bands to read (1-based) from the scene `measure` describes, and the type to read them as.
  virtual std::vector<int> bands(const SceneMeasure& measure) const = 0;
  virtual GDALDataType read_type() const { return GDT_Float32; }
  virtual std::vector<Candidate> detect(const WindowPixels& pixels, const SceneMeasure& measure) const = 0;
  // Pixels within which a box's side is taken to reach its window's edge (Candidate::cut_sides): 0 for boxes drawn
  // on pixel edges, a little more for a model's regressed boxes, which end a pixel or so short of an object's cut.
  virtual double seam_slack() const { return 0; }
  // Whether detect() reads WindowPixels::data_mask (an outline detector: its regions must not cover no data).
  virtual bool uses_data_mask() const { return false; }
  // The window size this detector works best with (0: no preference; onnx: the model's input).
  virtual std::int64_t preferred_window() const { return 0; }
  // Time spent in the model itself, all threads (0 when not measured), to weigh the windowing around it.
  virtual double inference_seconds() const { return 0; }
  // The options that shape the output, for the provenance hash.
  virtual core::Json options_json() const = 0;
};

}  // namespace swath::detect
