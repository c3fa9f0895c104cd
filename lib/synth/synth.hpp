// `swath synth`: deterministic synthetic scenes (SAR-like sea clutter with ships, optical land with
// vehicles) georeferenced in UTM, with their ground truth as GeoJSON.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/cancel.hpp"
#include "core/geo.hpp"
#include "core/json.hpp"

namespace swath::synth {

enum class Kind { sar, optical };

struct SynthOptions {
  std::string output;  // SCENE.tif; the truth goes to SCENE.truth.geojson
  std::uint64_t seed = 1;
  Kind kind = Kind::sar;
  std::int64_t width = 2048;
  std::int64_t height = 2048;
  int bands = 3;              // optical: 3 (RGB) or 4 (RGB + NIR, with ponds of class water)
  std::int64_t objects = -1;  // -1: from the area (one per 40k px for SAR, 20k px for optical)
  // When straddle_window > 0, every object is placed across an edge of that grid's windows.
  std::int64_t straddle_window = 0;
  std::int64_t straddle_overlap = 0;
  // Polled while rendering and writing: true abandons the run (core::Interrupted, nothing under the final
  // names). `swath synth` stops on SIGINT/SIGTERM.
  std::function<bool()> stop = core::cancel_requested;
};

// One object to draw, in pixel coordinates of the scene.
struct SynthObject {
  std::string cls;
  double cx = 0, cy = 0;         // centre
  double length = 0, width = 0;  // pixels
  double heading = 0;            // radians, clockwise from north (up)
  double contrast = 0;           // SAR: ship/clutter intensity ratio; optical: unused
  std::uint8_t color[3]{};       // optical colour
};

// The scene's fixed georeferencing per kind: UTM zone 31N, 5 m (SAR) or 0.5 m (optical) pixels.
int utm_epsg();
core::GeoTransform scene_geotransform(Kind kind);

// A pond of the 4-band optical scene: truth for the index detector, not one of the --objects.
bool is_pond(const SynthObject& object);

// Pure: the objects of a scene, from the seed (no I/O).
std::vector<SynthObject> plan_objects(const SynthOptions& options);

struct SynthResult {
  std::string scene_path;
  std::string truth_path;
  std::int64_t objects = 0;  // ships or vehicles: what --objects counts
  std::int64_t ponds = 0;    // the 4-band optical scene's water, in the truth too
};
core::Json to_json(const SynthResult& result);

// Renders the scene and writes it and its truth atomically. Throws UsageError / IoError, or Interrupted when
// `options.stop` asks (neither file is then left, nor a temporary).
SynthResult synthesize(const SynthOptions& options);
// The bytes synth holds at its peak: the scene rendered whole in memory. synthesize refuses (UsageError) a scene
// needing over 90% of this machine's memory.
std::uint64_t peak_bytes(const SynthOptions& options);

// "sar" / "optical"; throws UsageError otherwise.
Kind parse_kind(const std::string& text);
// "2048x1024" → width, height; throws UsageError.
std::pair<std::int64_t, std::int64_t> parse_size(const std::string& text);

}  // namespace swath::synth
