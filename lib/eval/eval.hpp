// `swath eval DETECTIONS TRUTH`: precision, recall, F1 and AP@0.5 per class and overall, with boxes
// matched by IoU in map coordinates (a metric CRS shared by both files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/geo.hpp"
#include "core/json.hpp"

namespace swath::eval {

struct Box {
  std::string cls;
  double score = 1;
  core::Bounds box;
};

struct Score {
  std::string cls;  // "overall" for the total
  std::int64_t truths = 0, detections = 0, true_positives = 0, false_positives = 0, false_negatives = 0;
  std::int64_t duplicates = 0;  // false positives lying mostly on a truth box another detection matched
  double precision = 0, recall = 0, f1 = 0;
  double ap50 = 0;  // at IoU 0.5, whatever the threshold of the counts
};
core::Json to_json(const Score& score);

struct EvalReport {
  double iou_threshold = 0.5;
  std::vector<Score> classes;         // sorted by class name
  Score overall;                      // counts summed over classes; ap50 is the mean over classes (mAP@0.5)
  std::vector<std::string> warnings;  // e.g. a --classes class neither file has
};
core::Json to_json(const EvalReport& report);   // swath.eval/1
std::string to_text(const EvalReport& report);  // a table per class, then overall

// Pure: greedy matching by descending score, each truth matched at most once, same class only; detections of one
// score are matched together, as many as can be (a maximum matching), whatever order they are listed in.
EvalReport evaluate(std::vector<Box> detections, std::vector<Box> truths, double iou_threshold = 0.5);

// Average precision: area under the precision envelope over recall (all points). `scores` (descending, one per hit)
// mark ties: detections of one score are one point of the curve, taken together, so the order a tie was listed in
// (where its boxes lie) cannot move the area. Without scores every detection is its own point.
double average_precision(const std::vector<bool>& hits_by_score, std::int64_t truths,
                         const std::vector<double>& scores = {});

// Reads both files (any OGR vector; attributes "class" and, for detections, "score"), measures their boxes in metres
// (a projected file's CRS; both in lon/lat: each box in a UTM zone of its place, eval/zones.hpp) and evaluates.
// Throws IoError / DataError naming the file. `classes` (none: all) keeps only the boxes of those classes, in both
// files (a truth of water ponds no vehicle detector looks for); a class in neither file is a warning naming the
// classes there (a typo; or a scene of a batch without any: not an error).
EvalReport evaluate_files(const std::string& detections, const std::string& truth, double iou_threshold = 0.5,
                          const std::vector<std::string>& classes = {});

}  // namespace swath::eval
