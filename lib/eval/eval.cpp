// Matching and scores (pure); reading the files is eval_files.cpp.
#include "eval/eval.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "detect/merge.hpp"
#include "eval/truth_index.hpp"

namespace swath::eval {

namespace {

// Ctrl-C between steps of the matching (a class of 20,000 overlapping boxes takes tens of seconds).
void stop_if_asked() {
  if (core::cancel_requested()) throw core::Interrupted("evaluation interrupted");
}

void finish(Score& s) {
  s.false_negatives = s.truths - s.true_positives;
  s.precision = s.detections ? static_cast<double>(s.true_positives) / static_cast<double>(s.detections) : 0;
  s.recall = s.truths ? static_cast<double>(s.true_positives) / static_cast<double>(s.truths) : 0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
}

// The truths still free that detection `d` overlaps at IoU ≥ threshold, best first.
std::vector<std::size_t> candidates_of(const Box& d, const std::vector<Box>& truths, const TruthIndex& index,
                                       double threshold, const std::vector<bool>& used) {
  std::vector<std::pair<double, std::size_t>> found;
  for (const std::size_t t : index.near(d.box)) {
    if (used[t]) continue;
    const double v = detect::overlap(d.box, truths[t].box, detect::OverlapMetric::iou);
    if (v >= threshold) found.emplace_back(v, t);
  }
  // Equal IoUs in the truths' place on the map, not their order in the file: which one a detection takes can decide
  // whether a later one finds a truth.
  std::sort(found.begin(), found.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return std::tie(truths[a.second].box.min_y, truths[a.second].box.min_x, truths[a.second].box.max_y,
                    truths[a.second].box.max_x,
                    a.second) < std::tie(truths[b.second].box.min_y, truths[b.second].box.min_x,
                                         truths[b.second].box.max_y, truths[b.second].box.max_x, b.second);
  });
  std::vector<std::size_t> out;
  for (const auto& f : found) out.push_back(f.second);
  return out;
}

// Detections [begin, end) share one score: they are matched as one, as many of them as can be, each to its own
// truth (a maximum matching), so which of them lies first cannot change how many hit. Each first takes its best free
// truth, in order (what greedy matching gives when it is already the most); one left out then takes a truth
// another holds if that one can move to another of its candidates (an augmenting path, found breadth-first).
// Truths a search found no path beyond stay out of the searches after it until a path changes the matching: none
// can lead anywhere new (1000 stacked boxes, 500 truths: 22 s when every search went through them all again).
void match_tie(const std::vector<Box>& detections, std::size_t begin, std::size_t end, const std::vector<Box>& truths,
               const TruthIndex& index, double threshold, std::vector<bool>& used, std::vector<bool>& hits) {
  const std::size_t n = end - begin;
  std::vector<std::vector<std::size_t>> candidates(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 1024 == 0) stop_if_asked();
    candidates[i] = candidates_of(detections[begin + i], truths, index, threshold, used);
  }
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::size_t> match(n, none);
  std::unordered_map<std::size_t, std::size_t> owner;  // truth → the detection holding it
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::size_t t : candidates[i]) {
      if (owner.emplace(t, i).second) {
        match[i] = t;
        break;
      }
    }
  }
  std::unordered_map<std::size_t, std::size_t> reached_from;  // truth → the detection that reached it
  for (std::size_t start = 0; start < n; ++start) {
    if (match[start] != none || candidates[start].empty()) continue;
    stop_if_asked();
    std::deque<std::size_t> queue{start};
    std::size_t free_truth = none;
    while (!queue.empty() && free_truth == none) {
      const std::size_t d = queue.front();
      queue.pop_front();
      for (const std::size_t t : candidates[d]) {
        if (!reached_from.emplace(t, d).second) continue;
        const auto held = owner.find(t);
        if (held == owner.end()) {
          free_truth = t;
          break;
        }
        queue.push_back(held->second);
      }
    }
    if (free_truth == none) continue;  // what it reached stays reached: a dead end for the searches to come
    // Along the path back to `start`, each detection takes the truth it reached and gives up the one it held.
    for (std::size_t t = free_truth; t != none;) {
      const std::size_t d = reached_from.at(t);
      const std::size_t held = match[d];
      match[d] = t;
      owner[t] = d;
      t = d == start ? none : held;
    }
    reached_from.clear();  // the matching changed: dead ends may lead somewhere now
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (match[i] == none) continue;
    used[match[i]] = true;
    hits[begin + i] = true;
  }
}

Score score_class(const std::string& cls, std::vector<Box> detections, const std::vector<Box>& truths,
                  double threshold) {
  // A tie's detections in their place on the map (the whole box), so the order they are listed in changes nothing:
  // identical boxes are interchangeable.
  std::stable_sort(detections.begin(), detections.end(), [](const Box& a, const Box& b) {
    if (a.score != b.score) return a.score > b.score;
    return std::tie(a.box.min_y, a.box.min_x, a.box.max_y, a.box.max_x) <
           std::tie(b.box.min_y, b.box.min_x, b.box.max_y, b.box.max_x);
  });
  std::vector<bool> used(truths.size(), false), hits(detections.size(), false);
  std::vector<core::Bounds> truth_boxes;
  for (const auto& t : truths) truth_boxes.push_back(t.box);
  const TruthIndex index(truth_boxes);
  Score s;
  s.cls = cls;
  s.truths = static_cast<std::int64_t>(truths.size());
  s.detections = static_cast<std::int64_t>(detections.size());
  for (std::size_t begin = 0; begin < detections.size();) {
    std::size_t end = begin + 1;
    while (end < detections.size() && detections[end].score == detections[begin].score) ++end;
    stop_if_asked();
    match_tie(detections, begin, end, truths, index, threshold, used, hits);
    begin = end;
  }
  // A duplicate: an unmatched detection lying mostly (≥ half its area) on a truth another detection matched.
  for (std::size_t i = 0; i < detections.size(); ++i) {
    if (i % 1024 == 0) stop_if_asked();
    if (hits[i]) continue;
    const auto& b = detections[i].box;
    const double own = (b.max_x - b.min_x) * (b.max_y - b.min_y);
    for (const std::size_t t : index.near(b)) {
      const auto& a = truths[t].box;
      const double w = std::min(a.max_x, b.max_x) - std::max(a.min_x, b.min_x);
      const double h = std::min(a.max_y, b.max_y) - std::max(a.min_y, b.min_y);
      if (used[t] && w > 0 && h > 0 && own > 0 && w * h >= 0.5 * own) {
        ++s.duplicates;
        break;
      }
    }
  }
  s.true_positives = std::count(hits.begin(), hits.end(), true);
  s.false_positives = s.detections - s.true_positives;
  finish(s);
  std::vector<double> scores;
  for (const auto& d : detections) scores.push_back(d.score);
  s.ap50 = average_precision(hits, s.truths, scores);
  return s;
}

}  // namespace

double average_precision(const std::vector<bool>& hits, std::int64_t truths, const std::vector<double>& scores) {
  if (truths <= 0 || hits.empty()) return 0;
  std::vector<double> precision, recall;
  std::int64_t tp = 0;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    tp += hits[i] ? 1 : 0;
    const bool tie_goes_on = i + 1 < hits.size() && i + 1 < scores.size() && scores[i + 1] == scores[i];
    if (tie_goes_on) continue;
    precision.push_back(static_cast<double>(tp) / static_cast<double>(i + 1));
    recall.push_back(static_cast<double>(tp) / static_cast<double>(truths));
  }
  for (std::size_t i = precision.size() - 1; i > 0; --i) precision[i - 1] = std::max(precision[i - 1], precision[i]);
  double ap = 0, previous_recall = 0;
  for (std::size_t i = 0; i < precision.size(); ++i) {
    ap += (recall[i] - previous_recall) * precision[i];
    previous_recall = recall[i];
  }
  return ap;
}

EvalReport evaluate(std::vector<Box> detections, std::vector<Box> truths, double iou_threshold) {
  std::map<std::string, std::pair<std::vector<Box>, std::vector<Box>>> by_class;
  for (auto& d : detections) by_class[d.cls].first.push_back(std::move(d));
  for (auto& t : truths) by_class[t.cls].second.push_back(std::move(t));
  EvalReport report;
  report.iou_threshold = iou_threshold;
  report.overall.cls = "overall";
  double ap_sum = 0;
  int ap_classes = 0;
  for (auto& [cls, pair] : by_class) {
    // AP@0.5 is at IoU 0.5 whatever the threshold of the counts (its name says so; COCO's AP50 is the same).
    const double ap50 = iou_threshold == 0.5 ? -1 : score_class(cls, pair.first, pair.second, 0.5).ap50;
    auto s = score_class(cls, std::move(pair.first), pair.second, iou_threshold);
    if (ap50 >= 0) s.ap50 = ap50;
    report.overall.truths += s.truths;
    report.overall.detections += s.detections;
    report.overall.true_positives += s.true_positives;
    report.overall.false_positives += s.false_positives;
    report.overall.duplicates += s.duplicates;
    if (s.truths > 0) ap_sum += s.ap50, ++ap_classes;
    report.classes.push_back(std::move(s));
  }
  finish(report.overall);
  report.overall.ap50 = ap_classes ? ap_sum / ap_classes : 0;
  return report;
}

core::Json to_json(const Score& score) {
  auto r = [](double v) { return std::round(v * 1e6) / 1e6; };
  return core::Json::Object{{"truths", static_cast<long long>(score.truths)},
                            {"detections", static_cast<long long>(score.detections)},
                            {"true_positives", static_cast<long long>(score.true_positives)},
                            {"false_positives", static_cast<long long>(score.false_positives)},
                            {"false_negatives", static_cast<long long>(score.false_negatives)},
                            {"duplicates", static_cast<long long>(score.duplicates)},
                            {"precision", r(score.precision)},
                            {"recall", r(score.recall)},
                            {"f1", r(score.f1)},
                            {"ap50", r(score.ap50)}};
}

core::Json to_json(const EvalReport& report) {
  core::Json per_class = core::Json::object();
  for (const auto& s : report.classes) per_class.set(s.cls, to_json(s));
  const auto total = to_json(report.overall);
  return core::Json::Object{{"schema", "swath.eval/1"},
                            {"iou_threshold", report.iou_threshold},
                            {"precision", total.at("precision")},
                            {"recall", total.at("recall")},
                            {"f1", total.at("f1")},
                            {"ap50", total.at("ap50")},
                            {"overall", total},
                            {"classes", per_class}};
}

std::string to_text(const EvalReport& report) {
  std::string out = fmt::format(
      "counts, precision, recall and F1 at IoU {:g}; AP@0.5 at IoU 0.5; overall: counts summed over "
      "classes, AP@0.5 their mean over classes with truth (mAP)\n",
      report.iou_threshold);
  out += fmt::format("{:<12} {:>7} {:>10} {:>6} {:>6} {:>6} {:>10} {:>9} {:>7} {:>6} {:>7}\n", "class", "truths",
                     "detections", "TP", "FP", "FN", "duplicates", "precision", "recall", "F1", "AP@0.5");
  auto line = [&](const Score& s) {
    out += fmt::format("{:<12} {:>7} {:>10} {:>6} {:>6} {:>6} {:>10} {:>9.3f} {:>7.3f} {:>6.3f} {:>7.3f}\n",
                       core::visible(s.cls),  // a class name from a file: no newline or escape reaches the terminal
                       s.truths, s.detections, s.true_positives, s.false_positives, s.false_negatives, s.duplicates,
                       s.precision, s.recall, s.f1, s.ap50);
  };
  for (const auto& s : report.classes) line(s);
  line(report.overall);
  return out;
}

}  // namespace swath::eval
