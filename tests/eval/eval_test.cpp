// Evaluation: matching by IoU, per-class and overall scores, average precision, duplicates.
#include <doctest/doctest.h>

#include <cmath>

#include "core/errors.hpp"
#include "eval/eval.hpp"
#include "eval/zones.hpp"
#include "support/scratch.hpp"

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

TEST_CASE("eval: --iou sets the counts' threshold; AP@0.5 stays at IoU 0.5, and the text says both") {
  const std::vector<eval::Box> truth{box("ship", 1, 0, 0, 10, 10)};
  const std::vector<eval::Box> found{box("ship", 0.9, 0, 0, 10, 8)};  // IoU 0.8
  const auto strict = eval::evaluate(found, truth, 0.9);
  CHECK(strict.overall.true_positives == 0);
  CHECK(strict.overall.ap50 == 1.0);
  CHECK(strict.classes[0].ap50 == 1.0);
  CHECK(eval::evaluate(found, truth, 0.5).overall.true_positives == 1);
  const auto text = eval::to_text(strict);
  CHECK(text.find("at IoU 0.9; AP@0.5 at IoU 0.5") != std::string::npos);
  CHECK(text.find("duplicates") != std::string::npos);
}

TEST_CASE("eval: average precision is the area under the precision envelope") {
  CHECK(eval::average_precision({true, false, true}, 2) == doctest::Approx(0.5 * 1 + 0.5 * 2.0 / 3));
  CHECK(eval::average_precision({false, true}, 1) == doctest::Approx(0.5));
  CHECK(eval::average_precision({}, 3) == 0);
}

TEST_CASE("eval: detections of one score are one point of the curve: AP does not depend on where the tie's boxes lie") {
  // Two hits among eleven detections of score 0.5: one point, precision 2/11 at recall 1, whatever their order.
  CHECK(eval::average_precision({true, true, false, false}, 2, {0.5, 0.5, 0.5, 0.5}) == doctest::Approx(0.5));
  CHECK(eval::average_precision({false, false, true, true}, 2, {0.5, 0.5, 0.5, 0.5}) == doctest::Approx(0.5));
  // A tie after a distinct score: the first point stands on its own.
  CHECK(eval::average_precision({true, false, true}, 2, {0.9, 0.5, 0.5}) == doctest::Approx(0.5 * 1 + 0.5 * 2.0 / 3));
  // End to end: the same two truths found by two of eleven equal-score boxes, the misses west or east of them.
  std::vector<eval::Box> truths{box("car", 1, 100, 0, 110, 10), box("car", 1, 120, 0, 130, 10)};
  std::vector<eval::Box> west{box("car", 0.5, 100, 0, 110, 10), box("car", 0.5, 120, 0, 130, 10)};
  std::vector<eval::Box> east = west;
  for (int i = 0; i < 9; ++i) {
    west.push_back(box("car", 0.5, -20.0 * (i + 1), 0, -20.0 * (i + 1) + 10, 10));
    east.push_back(box("car", 0.5, 200.0 + 20 * i, 0, 210.0 + 20 * i, 10));
  }
  const double ap_west = eval::evaluate(west, truths).overall.ap50;
  CHECK(ap_west == doctest::Approx(2.0 / 11));
  CHECK(eval::evaluate(east, truths).overall.ap50 == doctest::Approx(ap_west));
}

TEST_CASE("eval: detections of one score are matched together: as many hit, wherever they lie") {
  // b takes c's better truth by itself (IoU 0.82 against 0.54), which leaves c (IoU 1 with it, 0.43 with a's)
  // without one; matched together, b takes the other truth and both hit. Mirrored east-west, c comes first.
  const auto mirrored = [](std::vector<eval::Box> boxes, bool mirror) {
    for (auto& b : boxes) {
      if (mirror) b.box = {-b.box.max_x, b.box.min_y, -b.box.min_x, b.box.max_y};
    }
    return boxes;
  };
  const std::vector<eval::Box> truths{box("car", 1, 0, 0, 10, 10), box("car", 1, 4, 0, 14, 10)};
  const auto b = box("car", 0.7, 3, 0, 13, 10), c = box("car", 0.7, 4, 0, 14, 10);
  // A chain: truths 4 apart; three detections each 3 east of one (IoU 0.54, 0.82 with the next), the last on one.
  std::vector<eval::Box> chain_truths, chain;
  for (int i = 0; i < 4; ++i) {
    chain_truths.push_back(box("car", 1, 100.0 + 4 * i, 0, 110.0 + 4 * i, 10));
    chain.push_back(i < 3 ? box("car", 0.5, 103.0 + 4 * i, 0, 113.0 + 4 * i, 10) : chain_truths.back());
  }
  for (const bool mirror : {false, true}) {
    CAPTURE(mirror);
    const auto r = eval::evaluate(mirrored({b, c}, mirror), mirrored(truths, mirror));
    CHECK(r.overall.true_positives == 2);
    CHECK(r.overall.duplicates == 0);
    CHECK(r.overall.ap50 == doctest::Approx(1.0));
    CHECK(eval::evaluate(mirrored(chain, mirror), mirrored(chain_truths, mirror)).overall.true_positives == 4);
  }
  // Of other scores, the higher one goes first and keeps its best truth, as greedy matching does.
  auto first = b;
  first.score = 0.9;
  CHECK(eval::evaluate({first, c}, truths).overall.true_positives == 1);
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

TEST_CASE("eval: an empty GeoJSON (no features, so no attributes) is evaluated as no boxes") {
  test::ScratchDir dir;
  const std::string empty = R"({"type":"FeatureCollection","features":[]})";
  const std::string one =
      R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"class":"ship","score":0.9},)"
      R"("geometry":{"type":"Polygon","coordinates":[[[3,51],[3.001,51],[3.001,51.001],[3,51.001],[3,51]]]}}]})";
  test::write_text(dir / "none.geojson", empty);
  test::write_text(dir / "one.geojson", one);
  const auto missed = eval::evaluate_files(dir / "none.geojson", dir / "one.geojson");
  CHECK(missed.overall.truths == 1);
  CHECK(missed.overall.detections == 0);
  CHECK(missed.overall.recall == 0);
  std::string upper = one;
  upper.replace(upper.find("\"ship\""), 6, "\"Ship\"");
  test::write_text(dir / "upper.geojson", upper);
  const auto cased = eval::evaluate_files(dir / "one.geojson", dir / "upper.geojson");
  CHECK(cased.overall.true_positives == 0);
  REQUIRE(cased.warnings.size() == 1);  // was: none, every score 0 without a word
  CHECK(cased.warnings[0] ==
        "detections' class 'ship' is the truth's 'Ship' in another case: classes compare "
        "exactly, so its boxes match none (rename one)");
  const auto false_alarm = eval::evaluate_files(dir / "one.geojson", dir / "none.geojson");
  CHECK(false_alarm.overall.false_positives == 1);
  CHECK(eval::evaluate_files(dir / "none.geojson", dir / "none.geojson").overall.truths == 0);
  // A file with features still needs its attributes.
  test::write_text(dir / "bare.geojson",
                   R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                   R"("geometry":{"type":"Polygon","coordinates":[[[3,51],[3.001,51],[3.001,51.001],[3,51]]]}}]})");
  CHECK_THROWS_WITH_AS(eval::evaluate_files(dir / "bare.geojson", dir / "one.geojson"),
                       doctest::Contains("no \"class\" attribute"), core::DataError);
}

TEST_CASE("eval: a feature without a polygon, or a score that is not a number, is refused rather than skipped") {
  test::ScratchDir dir;
  const std::string polygon =
      R"({"type":"Feature","properties":{"class":"ship","score":0.9},)"
      R"("geometry":{"type":"Polygon","coordinates":[[[3,51],[3.001,51],[3.001,51.001],[3,51.001],[3,51]]]}})";
  const std::string point =
      R"({"type":"Feature","properties":{"class":"ship","score":0.8},"geometry":{"type":"Point","coordinates":[3,51]}})";
  test::write_text(dir / "truth.geojson", R"({"type":"FeatureCollection","features":[)" + polygon + "]}");
  test::write_text(dir / "mixed.geojson", R"({"type":"FeatureCollection","features":[)" + polygon + "," + point + "]}");
  CHECK_THROWS_WITH_AS(eval::evaluate_files(dir / "mixed.geojson", dir / "truth.geojson"),
                       doctest::Contains("1 feature(s) without a polygon, the first feature 2 (POINT)"),
                       core::DataError);
  std::string text_score = polygon;
  text_score.replace(text_score.find("0.9"), 3, "\"high\"");
  test::write_text(dir / "text.geojson", R"({"type":"FeatureCollection","features":[)" + text_score + "]}");
  CHECK_THROWS_WITH_AS(eval::evaluate_files(dir / "text.geojson", dir / "truth.geojson"),
                       doctest::Contains("feature 1's score is \"high\", not a finite number"), core::DataError);
  // A null class was matched as a class named "null".
  std::string null_class = polygon;
  null_class.replace(null_class.find("\"ship\""), 6, "null");
  test::write_text(dir / "null.geojson", R"({"type":"FeatureCollection","features":[)" + null_class + "]}");
  CHECK_THROWS_WITH_AS(eval::evaluate_files(dir / "null.geojson", dir / "truth.geojson"),
                       doctest::Contains("feature 1's \"class\" is null"), core::DataError);
  // An empty class was a row of its own, halving the mean AP.
  std::string empty_class = polygon;
  empty_class.replace(empty_class.find("\"ship\""), 6, "\"\"");
  test::write_text(dir / "empty.geojson",
                   R"({"type":"FeatureCollection","features":[)" + polygon + "," + polygon + "," + empty_class + "]}");
  CHECK_THROWS_WITH_AS(eval::evaluate_files(dir / "truth.geojson", dir / "empty.geojson"),
                       doctest::Contains("feature 3's \"class\" is empty"), core::DataError);
  // An entry that is not a Feature object: GDAL passed over it without a word (103 truths read of 104).
  test::write_text(dir / "junk.geojson", R"({"type":"FeatureCollection","features":[)" + polygon + R"(,"junk"]})");
  CHECK_THROWS_WITH_AS(eval::evaluate_files(dir / "truth.geojson", dir / "junk.geojson"),
                       doctest::Contains("entry 2 of its \"features\" is not a Feature object: \"junk\""),
                       core::DataError);
  CHECK(eval::evaluate_files(dir / "truth.geojson", dir / "truth.geojson").overall.true_positives == 1);
}

TEST_CASE("eval: coordinates that do not fit their CRS are refused naming the file and the point") {
  test::ScratchDir dir;
  // Metres in a GeoJSON (read as WGS84 degrees).
  const std::string metres = dir / "metres.geojson";
  test::write_text(metres,
                   R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"class":"ship",)"
                   R"("score":0.9},"geometry":{"type":"Polygon","coordinates":[[[1000000,6000000],[1000100,6000000],)"
                   R"([1000100,6000100],[1000000,6000000]]]}}]})");
  const std::string named = "'" + metres + "': layer";
  CHECK_THROWS_WITH_AS(eval::evaluate_files(metres, metres), doctest::Contains(named.c_str()), core::DataError);
  CHECK_THROWS_WITH_AS(eval::evaluate_files(metres, metres),
                       doctest::Contains("point (1e+06, 6e+06) cannot be reprojected from WGS 84"), core::DataError);
}

namespace {
// eval of one detected ship against one true ship, each a GeoJSON file of one feature of the geometry given.
eval::EvalReport evaluate_one(const test::ScratchDir& dir, const std::string& found, const std::string& truth) {
  const auto write = [&](const std::string& name, const std::string& properties, const std::string& geometry) {
    test::write_text(dir / name, R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":)" +
                                     properties + R"(,"geometry":)" + geometry + "}]}");
  };
  write("truth.geojson", R"({"class":"ship"})", truth);
  write("found.geojson", R"({"class":"ship","score":0.9})", found);
  return eval::evaluate_files(dir / "found.geojson", dir / "truth.geojson");
}
}  // namespace

TEST_CASE("eval: a box across the antimeridian, cut in two as swath's GeoJSON writes it, is one match") {
  test::ScratchDir dir;
  const std::string cut =
      R"({"type":"MultiPolygon","coordinates":[[[[179.999,-17],[180,-17],[180,-16.999],[179.999,-16.999],)"
      R"([179.999,-17]]],[[[-180,-17],[-179.999,-17],[-179.999,-16.999],[-180,-16.999],[-180,-17]]]]})";
  const auto r = evaluate_one(dir, cut, cut);
  CHECK(r.overall.truths == 1);
  CHECK(r.overall.detections == 1);
  CHECK(r.overall.true_positives == 1);
}

TEST_CASE("eval: a feature is one object: a MultiPolygon's parts are one truth, matched by the box round them all") {
  test::ScratchDir dir;
  const std::string parts =
      R"({"type":"MultiPolygon","coordinates":[[[[10,10],[10.001,10],[10.001,10.001],[10,10.001],[10,10]]],)"
      R"([[[10.002,10.002],[10.003,10.002],[10.003,10.003],[10.002,10.003],[10.002,10.002]]]]})";
  const std::string around = R"({"type":"Polygon","coordinates":[[[10,10],[10.003,10],[10.003,10.003],[10,10.003],)"
                             R"([10,10]]]})";
  const auto r = evaluate_one(dir, around, parts);
  CHECK(r.overall.truths == 1);
  CHECK(r.overall.true_positives == 1);
}

TEST_CASE("eval: many boxes — a grid of 40 000 and a stack of 1000 on 500 truths — are matched in full") {
  // Each truth compared only with the detections near it (a grid index): 40 000 on a grid all hit, half offset by a
  // quarter (IoU 0.6) and half exact; and a miss beside each row's end is a false positive.
  std::vector<eval::Box> truths, detections;
  for (int i = 0; i < 40000; ++i) {
    const double x = (i % 200) * 20.0, y = (i / 200) * 20.0;
    truths.push_back(box("car", 1, x, y, x + 10, y + 10));
    const double shift = i % 2 == 0 ? 0 : 2.5;
    detections.push_back(box("car", 0.5 + (i % 7) * 0.01, x + shift, y, x + 10 + shift, y + 10));
  }
  for (int row = 0; row < 200; ++row) detections.push_back(box("car", 0.9, 5000, row * 20.0, 5010, row * 20.0 + 10));
  const auto grid = eval::evaluate(detections, truths);
  CHECK(grid.overall.true_positives == 40000);
  CHECK(grid.overall.false_positives == 200);
  CHECK(grid.overall.duplicates == 0);
  // One tie of 1000 identical boxes over 500 identical truths: 500 hit, the other 500 are duplicates; searches that
  // find no free truth are not repeated through the same truths.
  std::vector<eval::Box> stack, stacked_truths;
  for (int i = 0; i < 1000; ++i) stack.push_back(box("car", 0.5, 0, 0, 10, 10));
  for (int i = 0; i < 500; ++i) stacked_truths.push_back(box("car", 1, 0, 0, 10, 10));
  const auto stacked = eval::evaluate(stack, stacked_truths);
  CHECK(stacked.overall.true_positives == 500);
  CHECK(stacked.overall.duplicates == 500);
}

TEST_CASE("eval: the order detections and truths are listed in changes nothing") {
  // A and B tie at 0.8 and start at one corner; which takes which truth decides whether C (0.5) finds one.
  const auto a = box("car", 0.8, 5, 0, 25, 5), b = box("car", 0.8, 5, 0, 15, 5), c = box("car", 0.5, 0, 0, 20, 5);
  const auto t1 = box("car", 1, 5, 0, 25, 5), t2 = box("car", 1, 5, 0, 15, 10), t3 = box("car", 1, 5, 0, 25, 5);
  const auto first = eval::evaluate({a, b, c}, {t1, t2, t3});
  for (const auto& detections : {std::vector<eval::Box>{b, a, c}, {c, b, a}, {a, c, b}}) {
    for (const auto& truths : {std::vector<eval::Box>{t2, t1, t3}, {t3, t2, t1}, {t1, t2, t3}}) {
      const auto again = eval::evaluate(detections, truths);
      CHECK(again.overall.true_positives == first.overall.true_positives);
      CHECK(again.overall.duplicates == first.overall.duplicates);
      CHECK(again.overall.ap50 == first.overall.ap50);
    }
  }
  // One detection between two truths of equal IoU takes the same one whichever is listed first.
  const auto between = box("car", 0.9, 5, 0, 15, 10), later = box("car", 0.6, 10, 0, 20, 10);
  const auto west = box("car", 1, 0, 0, 10, 10), east = box("car", 1, 10, 0, 20, 10);
  CHECK(eval::evaluate({between, later}, {west, east}).overall.true_positives ==
        eval::evaluate({between, later}, {east, west}).overall.true_positives);
}

TEST_CASE("eval: lon/lat files covering two regions score each as it would alone, in any order") {
  // Truths at 0°E and 40°E, 60°N, each with a detection shifted a little east. In one zone for both (the median
  // truth's), the box far from it had its IoU moved by UTM's distortion: the counts moved with the other region.
  test::ScratchDir dir;
  const auto feature = [](double lon, double lat, double width, const std::string& properties) {
    const auto p = [&](double x, double y) { return "[" + std::to_string(x) + "," + std::to_string(y) + "]"; };
    return R"({"type":"Feature","properties":)" + properties + R"(,"geometry":{"type":"Polygon","coordinates":[[)" +
           p(lon, lat) + "," + p(lon + width, lat) + "," + p(lon + width, lat + 0.01) + "," + p(lon, lat + 0.01) + "," +
           p(lon, lat) + "]]}}";
  };
  const auto collection = [](const std::vector<std::string>& features) {
    std::string out = R"({"type":"FeatureCollection","features":[)";
    for (std::size_t i = 0; i < features.size(); ++i) out += (i ? "," : "") + features[i];
    return out + "]}";
  };
  const std::string truth = R"({"class":"car"})", found = R"({"class":"car","score":0.9})";
  const auto west = feature(0, 60, 0.02, truth), east = feature(40, 60, 0.02, truth);
  test::write_text(dir / "we.geojson", collection({west, east}));
  test::write_text(dir / "ew.geojson", collection({east, west}));
  test::write_text(dir / "w.geojson", collection({west}));
  test::write_text(dir / "e.geojson", collection({east}));
  for (int i = 0; i < 60; ++i) {
    const double shift = 0.004 + 0.0001 * i;  // IoUs from about 0.67 down to about 0.4
    test::write_text(dir / "found.geojson",
                     collection({feature(shift, 60, 0.02, found), feature(40 + shift, 60, 0.02, found)}));
    CAPTURE(shift);
    const auto a = eval::evaluate_files(dir / "found.geojson", dir / "we.geojson");
    const auto b = eval::evaluate_files(dir / "found.geojson", dir / "ew.geojson");
    CHECK(a.overall.true_positives == b.overall.true_positives);
    CHECK(a.overall.ap50 == b.overall.ap50);
    test::write_text(dir / "found-w.geojson", collection({feature(shift, 60, 0.02, found)}));
    test::write_text(dir / "found-e.geojson", collection({feature(40 + shift, 60, 0.02, found)}));
    const auto alone_west = eval::evaluate_files(dir / "found-w.geojson", dir / "w.geojson");
    const auto alone_east = eval::evaluate_files(dir / "found-e.geojson", dir / "e.geojson");
    CHECK(a.overall.true_positives == alone_west.overall.true_positives + alone_east.overall.true_positives);
  }
}

TEST_CASE("eval: a region's score does not move when boxes half a world away are added (was: one zone for all)") {
  test::ScratchDir dir;
  const auto box = [](double lon, double lat, double width_m, double height_m, const std::string& properties) {
    const double w = width_m / (111320 * std::cos(lat * M_PI / 180)), h = height_m / 110574;
    const auto p = [](double x, double y) { return "[" + std::to_string(x) + "," + std::to_string(y) + "]"; };
    return R"({"type":"Feature","properties":)" + properties + R"(,"geometry":{"type":"Polygon","coordinates":[[)" +
           p(lon, lat) + "," + p(lon + w, lat) + "," + p(lon + w, lat + h) + "," + p(lon, lat + h) + "," + p(lon, lat) +
           "]]}}";
  };
  const auto collection = [](const std::vector<std::string>& features) {
    std::string out = R"({"type":"FeatureCollection","features":[)";
    for (std::size_t i = 0; i < features.size(); ++i) out += (i ? "," : "") + features[i];
    return out + "]}";
  };
  const std::string truth = R"({"class":"ship"})", found = R"({"class":"ship","score":0.9})";
  // A 200 x 40 m ship at 120°W and its detection 40 m east: IoU about 0.67 where it is.
  const auto ship = box(-120, 45, 200, 40, truth);
  const auto seen = box(-120 + 40 / (111320 * std::cos(45 * M_PI / 180)), 45, 200, 40, found);
  test::write_text(dir / "t1.geojson", collection({ship}));
  test::write_text(dir / "d1.geojson", collection({seen}));
  const auto alone = eval::evaluate_files(dir / "d1.geojson", dir / "t1.geojson", 0.6);
  REQUIRE(alone.overall.true_positives == 1);
  std::vector<std::string> truths{ship}, detections{seen};
  for (const double lat : {10.0, 11.0, 12.0}) {  // three ships matched exactly at 100°E
    truths.push_back(box(100, lat, 200, 40, truth));
    detections.push_back(box(100, lat, 200, 40, found));
  }
  test::write_text(dir / "t4.geojson", collection(truths));
  test::write_text(dir / "d4.geojson", collection(detections));
  const auto both = eval::evaluate_files(dir / "d4.geojson", dir / "t4.geojson", 0.6);
  CHECK(both.overall.true_positives == 4);  // was 3: measured in zone 47, the 120°W pair fell to IoU 0.53
  CHECK(both.overall.false_positives == 0);
}

TEST_CASE("eval: zones of lon/lat boxes — a truth's centre's; a detection astride a zone's edge takes its truth's") {
  CHECK(eval::utm_zone_epsg(3, 52) == 32631);
  CHECK(eval::utm_zone_epsg(-120, -45) == 32711);
  CHECK(eval::utm_zone_epsg(180, 10) == 32601);              // wrapped: 180°E is 180°W
  const core::Bounds truth{5.9990, 50.0, 6.0002, 50.001};    // centre in zone 31
  const core::Bounds astride{5.9995, 50.0, 6.0010, 50.001};  // centre in zone 32
  const core::Bounds apart{20.0, 50.0, 20.001, 50.001};
  const core::Bounds no_area{7, 50, 7, 50};
  const auto zones = eval::local_zones({astride, apart, no_area}, {truth}, 32631);
  CHECK(zones.truths == std::vector<int>{32631});
  CHECK(zones.detections == std::vector<int>{32631, 32634, 32631});  // the last: the most common zone
}
