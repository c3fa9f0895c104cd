// Evaluation: matching by IoU, per-class and overall scores, average precision, duplicates.
#include <doctest/doctest.h>

#include "eval/eval.hpp"

using namespace swath;

namespace {
eval::Box box(std::string cls, double score, double x0, double y0, double x1, double y1) {
  return {std::move(cls), score, {x0, y0, x1, y1}};
}
}  // namespace

TEST_CASE("eval: perfect detections score 1; a miss and a false alarm lower recall and precision") {
  const std::vector<eval::Box> truth{box("ship", 1, 0, 0, 10, 10), box("ship", 1, 20, 0, 30, 10),
                                     box("car", 1, 0, 50, 4, 52)};
  auto perfect = eval::evaluate(truth, truth);
  CHECK(perfect.overall.f1 == 1.0);
  CHECK(perfect.overall.ap50 == 1.0);
  const std::vector<eval::Box> found{box("ship", 0.9, 1, 0, 10, 10), box("ship", 0.8, 100, 100, 110, 110),
                                     box("car", 0.7, 0, 50, 4, 52), box("ship", 0.6, 0, 0, 4, 10)};
  const auto r = eval::evaluate(found, truth);
  REQUIRE(r.classes.size() == 2);
  CHECK(r.classes[0].cls == "car");
  CHECK(r.classes[0].f1 == 1.0);
  const auto& ship = r.classes[1];
  CHECK(ship.true_positives == 1);
  CHECK(ship.false_positives == 2);
  CHECK(ship.false_negatives == 1);
  CHECK(ship.duplicates == 1);  // the 4×10 piece of the matched ship
  CHECK(ship.precision == doctest::Approx(1.0 / 3));
  CHECK(ship.recall == doctest::Approx(0.5));
  CHECK(r.overall.true_positives == 2);
  CHECK(r.overall.precision == doctest::Approx(0.5));
  CHECK(r.overall.ap50 == doctest::Approx((1.0 + 0.5) / 2));
}

TEST_CASE("eval: average precision is the area under the precision envelope") {
  CHECK(eval::average_precision({true, false, true}, 2) == doctest::Approx(0.5 * 1 + 0.5 * 2.0 / 3));
  CHECK(eval::average_precision({false, true}, 1) == doctest::Approx(0.5));
  CHECK(eval::average_precision({}, 3) == 0);
}

TEST_CASE("eval: a class with no truth has only false positives, and JSON has the promised keys") {
  const auto r = eval::evaluate({box("plane", 0.5, 0, 0, 1, 1)}, {box("ship", 1, 5, 5, 6, 6)});
  CHECK(r.overall.f1 == 0);
  const auto json = eval::to_json(r);
  for (const char* key : {"precision", "recall", "f1", "ap50"}) {
    CHECK(json.find(key) != nullptr);
    CHECK(json.at("classes").at("ship").find(key) != nullptr);
  }
}
