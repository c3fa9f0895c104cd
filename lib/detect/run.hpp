// `swath detect`: scenes (or a tiles.jsonl manifest) → windows of the one grid → detector in the ordered
// TBB pipeline → detections merged across window edges in map coordinates → one vector file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/option_table.hpp"
#include "core/cancel.hpp"
#include "core/json.hpp"
#include "detect/cfar.hpp"
#include "detect/index_detector.hpp"
#include "detect/inputs.hpp"
#include "detect/merge.hpp"
#include "detect/onnx_detector.hpp"
#include "pipeline/resources.hpp"

namespace swath::detect {

struct DetectOptions {
  std::vector<std::string> inputs;  // scenes, or tiles.jsonl manifests
  // Inputs already expanded and labelled (a fleet task of a manifest's tiles): read instead of `inputs`, which
  // then only names them in messages.
  std::vector<InputScene> listed;
  std::string output;  // .gpkg / .fgb (scene CRS) or .geojson (WGS84)
  std::string detector = "cfar";
  std::int64_t window = 0;    // 0: the detector's preferred size (onnx: the model input), else 512
  std::int64_t overlap = -1;  // -1: 64, or a quarter of a smaller window
  pipeline::Resources resources;
  MergeOptions merge;
  bool allow_pixel_coords = false;
  std::string quicklook;  // PNG of the first scene with the detections drawn
  CfarOptions cfar;
  IndexOptions index;
  OnnxOptions onnx;
  core::Json config;  // the detect section's values, hashed into the provenance
  // Polled before each window: true abandons the run (core::Interrupted, nothing written). `swath detect`
  // stops on SIGINT/SIGTERM; a fleet worker passes "lease lost or grace over" instead.
  std::function<bool()> stop = core::cancel_requested;
};

// The detect section: every option's key, range, help, flag and default (DetectOptions'), declared once.
const config::OptionTable<DetectOptions>& detect_table();
// DetectOptions from the detect and run sections of `config` (inputs, output and the rest left to the caller);
// `config` also keeps the section's values, hashed into the outputs' provenance.
DetectOptions options_from(const config::Config& config);

struct DetectReport {
  std::string output;
  std::string detector;
  std::int64_t scenes = 0;  // distinct scenes: a manifest's tiles count as the scenes they were cut from
  std::int64_t tiles = 0;   // a manifest's tiles read (0 when the inputs are whole scenes)
  std::int64_t windows = 0;
  std::int64_t raw_detections = 0;    // before merging
  std::int64_t detections = 0;        // written
  std::vector<std::string> failures;  // "scene window: reason"
  std::int64_t unexamined_tiles = 0;  // of the failures: a manifest's failed tiles, not read
  std::int64_t window = 0;            // the window size used
  double detect_seconds = 0;          // summed time inside the detector, all threads
  double inference_seconds = 0;       // of that, inside the model (onnx)
  double merge_write_seconds = 0;     // merging across windows, sorting and writing the output
  double wall_seconds = 0;
  double cpu_seconds = 0;  // process CPU time, all threads: the fair measure on a shared machine
};
core::Json to_json(const DetectReport& report);

class Detector;

// `options` with the window and overlap a run with `detector` uses (0 and -1 resolved); throws UsageError when
// the overlap does not fit the window. detect_scenes runs it; so does `swath enqueue` before queueing.
DetectOptions with_window(const DetectOptions& options, const Detector& detector);

// Throws UsageError (bad options, no CRS without allow_pixel_coords), IoError, DataError.
// Windows that fail are listed in the report; the output is still written (the caller exits 3).
// The output, its FlatGeobuf sidecar and the quicklook appear together or not at all: when `stop` says so
// (or an error is thrown) before they are committed, core::Interrupted is thrown and none is written, with no
// temporary left behind (a SIGKILLed run's temporaries are removed by the next run to the same output).
DetectReport detect_scenes(const DetectOptions& options);

}  // namespace swath::detect
