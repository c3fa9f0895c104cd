// The detect section declared once: what `swath detect`'s flags, the config file, SWATH_DETECT__* variables
// and a fleet detect task's options set, with the defaults of DetectOptions and the detectors' options.
#include "detect/run.hpp"

#include "core/errors.hpp"
#include "core/text.hpp"

namespace swath::detect {

namespace {

using config::Entry;
using config::Type;

const std::string& text_of(const Entry& e) { return std::get<std::string>(e.value); }

// A window smaller than this holds no object with its context (a 1-pixel window runs a million windows and finds
// nothing).
constexpr std::int64_t kMinWindow = 32;

std::int64_t checked_window(std::int64_t window, const std::string& source) {
  if (window == 0 || window >= kMinWindow) return window;
  throw core::UsageError(source + ": window " + std::to_string(window),
                         "a detection window of under " + std::to_string(kMinWindow) + " pixels holds no object",
                         "leave it out (0: the detector's choice), or give " + std::to_string(kMinWindow) + " or more");
}

}  // namespace

const config::OptionTable<DetectOptions>& detect_table() {
  static const auto table =
      config::OptionTable<DetectOptions>("detect")
          .choice(
              {"detector", "--detector", "detector run on each window: cfar, index or onnx"}, {"cfar", "index", "onnx"},
              [](DetectOptions & o) -> auto& { return o.detector; })
          .parsed(
              {"window", "--window",
               "detection window in pixels, 0 or from 32 (0: the detector's choice: onnx its model input, else 512)"},
              Type::integer, [](DetectOptions & o) -> auto& { return o.window; },
              [](std::int64_t w) { return std::to_string(w); },
              [](const Entry& e) { return checked_window(std::get<std::int64_t>(e.value), e.origin.describe()); }, {},
              0, 65536)
          .integer(
              {"overlap", "--overlap",
               "pixels shared by neighbouring windows, at least the largest object (-1: 64, at most a quarter of the window)"},
              -1, 65535, [](DetectOptions & o) -> auto& { return o.overlap; })
          .parsed(
              {"merge", "--merge",
               "overlapping detections: grow the best box to their union (merge), or keep the best (nms)"},
              Type::choice, [](DetectOptions & o) -> auto& { return o.merge.method; },
              [](MergeMethod m) { return std::string(m == MergeMethod::merge ? "merge" : "nms"); },
              [](const Entry& e) { return parse_merge_method(text_of(e)); }, {"merge", "nms"})
          .parsed(
              {"merge_metric", "--merge-metric",
               "overlap measure: intersection over the smaller box (ios), or over the union (iou)"},
              Type::choice, [](DetectOptions & o) -> auto& { return o.merge.metric; },
              [](OverlapMetric m) { return std::string(m == OverlapMetric::ios ? "ios" : "iou"); },
              [](const Entry& e) { return parse_overlap_metric(text_of(e)); }, {"ios", "iou"})
          .number(
              {"merge_threshold", "--merge-threshold", "detections overlapping at least this much are one object"},
              0.01, 1, [](DetectOptions & o) -> auto& { return o.merge.threshold; })
          .parsed(
              {"merge_across_classes", "--merge-across-classes",
               "merge overlapping detections of different classes too"},
              Type::boolean, [](DetectOptions & o) -> auto& { return o.merge.per_class; },
              [](bool per_class) { return std::string(per_class ? "false" : "true"); },
              [](const Entry& e) { return !std::get<bool>(e.value); })
          .number(
              {"cfar_pfa", "--pfa", "CFAR false-alarm rate per pixel"}, 1e-15, 0.4,
              [](DetectOptions & o) -> auto& { return o.cfar.pfa; })
          .number(
              {"cfar_guard", "--guard", "CFAR guard half-size (around the tested pixel, not background)"}, 0, 100000,
              [](DetectOptions & o) -> auto& { return o.cfar.guard; })
          .number(
              {"cfar_background", "--background", "CFAR background half-size"}, 1, 100000,
              [](DetectOptions & o) -> auto& { return o.cfar.background; })
          .parsed(
              {"cfar_units", "--cfar-units", "units of the CFAR guard and background sizes: metres or pixels"},
              Type::choice, [](DetectOptions & o) -> auto& { return o.cfar.metres; },
              [](bool metres) { return std::string(metres ? "metres" : "pixels"); },
              [](const Entry& e) { return text_of(e) == "metres"; }, {"metres", "pixels"})
          .integer(
              {"cfar_join", "--cfar-join", "CFAR: pieces whose boxes are within this many pixels are one object"}, 0,
              20, [](DetectOptions & o) -> auto& { return o.cfar.join; })
          .number(
              {"cfar_min_score", "--cfar-min-score",
               "CFAR: drop objects scoring below this (0.5 = just at the pixel threshold)"},
              0, 1, [](DetectOptions & o) -> auto& { return o.cfar.min_score; })
          .integer(
              {"cfar_band", "", "band the CFAR tests"}, 1, 65535,
              [](DetectOptions & o) -> auto& { return o.cfar.band; })
          .text(
              {"cfar_class", "", "class name of CFAR detections"},
              [](DetectOptions & o) -> auto& { return o.cfar.cls; })
          .number(
              {"min_size_m", "--min-size", "CFAR: smallest object (longest side of its box) in metres"}, 0, 1e6,
              [](DetectOptions & o) -> auto& { return o.cfar.min_size_m; })
          .number(
              {"max_size_m", "--max-size", "CFAR: largest object in metres"}, 0, 1e6,
              [](DetectOptions & o) -> auto& { return o.cfar.max_size_m; })
          .text(
              {"index", "--index",
               "index detector: ndvi, ndwi or an expression over named bands, e.g. (nir-red)/(nir+red)"},
              [](DetectOptions & o) -> auto& { return o.index.index; })
          .number(
              {"index_threshold", "--index-threshold", "index detector: regions where the index is above this"}, -1e9,
              1e9, [](DetectOptions & o) -> auto& { return o.index.threshold; })
          .list(
              {"index_bands", "--index-bands",
               "index detector: NAME=BAND for bands the scene does not name (e.g. nir=4)"},
              [](DetectOptions & o) -> auto& { return o.index.bands; })
          .text(
              {"index_class", "--index-class",
               "index detector: class name of its regions (empty: water for ndwi, vegetation for ndvi, else the expression)"},
              [](DetectOptions & o) -> auto& { return o.index.cls; })
          .number(
              {"index_min_area_m2", "--min-area", "index detector: smallest region in m²"}, 0, 1e12,
              [](DetectOptions & o) -> auto& { return o.index.min_area_m2; })
          .text(
              {"model", "--model", "onnx detector: the model card (YAML) beside the .onnx"},
              [](DetectOptions & o) -> auto& { return o.onnx.card; })
          .number(
              {"score_threshold", "--score-threshold", "onnx detector: minimum score (-1: the model card's)"}, -1, 1,
              [](DetectOptions & o) -> auto& { return o.onnx.score_threshold; });
  return table;
}

namespace {

// The detector a key is read by ("" for all of them).
std::string detector_of(const std::string& key) {
  if (key.rfind("detect.cfar_", 0) == 0 || key == "detect.min_size_m" || key == "detect.max_size_m") return "cfar";
  if (key.rfind("detect.index", 0) == 0) return "index";
  if (key == "detect.model" || key == "detect.score_threshold") return "onnx";
  return "";
}

// A flag another detector reads would be ignored without a word (--model with the cfar detector).
void refuse_flags_of_other_detectors(const config::Config& config) {
  const std::string detector = std::get<std::string>(config.entry("detect.detector").value);
  for (const auto& spec : detect_table().specs()) {
    const auto& entry = config.entry(spec.key);
    const std::string reader = detector_of(spec.key);
    if (entry.origin.layer != config::Layer::flag || reader.empty() || reader == detector) continue;
    throw core::UsageError(entry.origin.where + " " + entry.text,
                           "it is read by the " + reader + " detector, and this run uses " + detector,
                           "add --detector " + reader + ", or leave it out");
  }
}

}  // namespace

DetectOptions options_from(const config::Config& config) {
  refuse_flags_of_other_detectors(config);
  DetectOptions options = detect_table().apply(config);
  // Was: written as the class of every detection, which eval refuses. Only cfar reads it: a config shared by
  // index and onnx runs may leave it empty.
  if (options.detector == "cfar" && core::trim(options.cfar.cls).empty()) {
    const auto& entry = config.entry("detect.cfar_class");
    throw core::UsageError(entry.origin.where + " detect.cfar_class '" + options.cfar.cls + "'", "an empty class name",
                           "name the class of CFAR detections (default: ship), or leave the key out");
  }
  options.resources = pipeline::resources_table().apply(config);
  options.config = config.section_json("detect");
  return options;
}

}  // namespace swath::detect
