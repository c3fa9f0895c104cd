// Merging across window edges: partial boxes join the full one, NMS keeps the best, classes stay apart.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "detect/merge.hpp"
#include "vector/ogr_shape.hpp"

using namespace swath;

namespace {
detect::Detection det(std::string cls, double score, double x0, double y0, double x1, double y1,
                      std::string window = "w") {
  detect::Detection d;
  d.cls = std::move(cls);
  d.score = score;
  d.box = {x0, y0, x1, y1};
  d.window = std::move(window);
  d.source = d.window;  // each window outlines its regions apart
  return d;
}
}  // namespace

TEST_CASE("merge: overlap measures") {
  const core::Bounds a{0, 0, 10, 10}, b{5, 0, 10, 10}, c{20, 20, 30, 30};
  CHECK(detect::overlap(a, b, detect::OverlapMetric::iou) == doctest::Approx(0.5));
  CHECK(detect::overlap(a, b, detect::OverlapMetric::ios) == doctest::Approx(1.0));
  CHECK(detect::overlap(a, c, detect::OverlapMetric::iou) == 0);
}

TEST_CASE("merge: a box cut by a window edge merges into the whole one, grown to the union") {
  const std::vector<detect::Detection> in{det("ship", 0.9, 100, 0, 112, 8, "A"), det("ship", 0.7, 90, 0, 120, 8, "B"),
                                          det("ship", 0.8, 500, 500, 510, 505)};
  const auto out = detect::merge_detections(in, {});
  REQUIRE(out.size() == 2);
  CHECK(out[0].box == core::Bounds{90, 0, 120, 8});  // union, best score kept
  CHECK(out[0].score == 0.9);
  CHECK(out[0].window == "A");
  const auto nms = detect::merge_detections(in, {detect::MergeMethod::nms, detect::OverlapMetric::ios, 0.5, true});
  REQUIRE(nms.size() == 2);
  CHECK(nms[0].box == core::Bounds{100, 0, 112, 8});
  // By IoU the partial box (0.4 of the union) stays separate.
  CHECK(detect::merge_detections(in, {detect::MergeMethod::nms, detect::OverlapMetric::iou, 0.5, true}).size() == 3);
}

TEST_CASE("merge: per class unless told otherwise; the result does not depend on input order") {
  std::vector<detect::Detection> in{det("car", 0.6, 0, 0, 10, 10), det("truck", 0.8, 1, 1, 10, 10),
                                    det("car", 0.5, 2, 2, 9, 9)};
  CHECK(detect::merge_detections(in, {}).size() == 2);
  const auto across =
      detect::merge_detections(in, {detect::MergeMethod::merge, detect::OverlapMetric::ios, 0.5, false});
  REQUIRE(across.size() == 1);
  CHECK(across[0].cls == "truck");
  std::reverse(in.begin(), in.end());
  const auto again = detect::merge_detections(in, {detect::MergeMethod::merge, detect::OverlapMetric::ios, 0.5, false});
  CHECK(again[0].box == across[0].box);
  CHECK_THROWS_AS(detect::parse_merge_method("union"), core::UsageError);
}

TEST_CASE("merge: many detections on a grid stay separate (the cell index finds only neighbours)") {
  std::vector<detect::Detection> in;
  for (int i = 0; i < 2000; ++i)
    in.push_back(det("ship", 0.5, (i % 50) * 20.0, (i / 50) * 20.0, (i % 50) * 20.0 + 10, (i / 50) * 20.0 + 10));
  CHECK(detect::merge_detections(in, {}).size() == 2000);
}

TEST_CASE("merge: the pieces of an outline cut by a window edge merge into their union, not into its box") {
  // One region seen in two windows: a quadrilateral in one, a triangle reaching further east in the other.
  auto left = det("water", 0.9, 0, 0, 12, 10, "A");
  left.shape = {{{{0, 0}, {12, 0}, {12, 4}, {0, 10}}}};
  left.cut = true;
  auto right = det("water", 0.9, 4, 0, 20, 4, "B");
  right.shape = {{{{4, 0}, {20, 0}, {4, 4}}}};
  right.cut = true;
  const auto out = detect::merge_detections({left, right}, {});
  REQUIRE(out.size() == 1);
  CHECK(out[0].box == core::Bounds{0, 0, 20, 10});
  REQUIRE(out[0].shape.size() == 1);
  const auto& ring = out[0].shape[0][0];
  REQUIRE(ring.size() >= 4);
  // The union's area: the left quadrilateral, 84, and the right triangle's part beyond x = 12, 8 (the rest lies
  // inside the quadrilateral), not the 200 of its box.
  double twice_area = 0;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const auto& p = ring[i];
    const auto& q = ring[(i + 1) % ring.size()];
    twice_area += p[0] * q[1] - q[0] * p[1];
  }
  CHECK(std::abs(twice_area) / 2 == doctest::Approx(92).epsilon(1e-9));
  // A piece without an outline (a box) makes the merged one a box, as before.
  auto boxed = right;
  boxed.shape.clear();
  boxed.cut = false;
  CHECK(detect::merge_detections({left, boxed}, {})[0].shape.empty());
}

TEST_CASE("merge: a chain of pieces is united at once, and pieces apart until a later one joins them make one") {
  // 1000 squares of 10 along a row, each overlapping the next by 6 (ios 0.6): one object, 10 + 999 * 4 wide.
  std::vector<detect::Detection> chain;
  for (int i = 0; i < 1000; ++i) {
    auto d = det("water", 0.9 - i * 1e-4, i * 4.0, 0, i * 4.0 + 10, 10, "w" + std::to_string(i));
    d.shape = {{{{i * 4.0, 0}, {i * 4.0 + 10, 0}, {i * 4.0 + 10, 10}, {i * 4.0, 10}}}};
    d.cut = true;
    chain.push_back(d);
  }
  const auto one = detect::merge_detections(chain, {});
  REQUIRE(one.size() == 1);
  const auto twice_area = [](const vector::Ring& ring) {
    double sum = 0;
    for (std::size_t i = 0; i < ring.size(); ++i) {
      const auto& p = ring[i];
      const auto& q = ring[(i + 1) % ring.size()];
      sum += p[0] * q[1] - q[0] * p[1];
    }
    return std::abs(sum);
  };
  REQUIRE(one[0].shape.size() == 1);
  CHECK(twice_area(one[0].shape[0][0]) / 2 == doctest::Approx(4006 * 10).epsilon(1e-9));
  // Two triangles at the ends of a box touch only through a third piece: united one by one, the first two made two
  // polygons and the outline fell back to the box; united at once they are one outline.
  auto west = det("water", 0.9, 0, 0, 10, 10, "A");
  west.shape = {{{{0, 0}, {10, 0}, {0, 10}}}};
  west.cut = true;
  auto east = det("water", 0.8, 4, 0, 20, 10, "B");
  east.shape = {{{{20, 0}, {20, 10}, {4, 10}}}};
  east.cut = true;
  auto bridge = det("water", 0.7, 0, 0, 20, 10, "C");
  bridge.shape = {{{{5, 2}, {17, 2}, {17, 8}, {5, 8}}}};
  bridge.cut = true;
  const auto joined = detect::merge_detections({west, east, bridge}, {});
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].shape.size() == 1);
}

TEST_CASE("merge: pieces of a region with a hole unite with the hole; pieces that do not touch are a box") {
  // A square ring seen in two windows, cut at x = 5: two U shapes whose union has the 3x3 hole.
  auto west = det("water", 1, 0, 0, 5, 5, "A");
  west.shape = {{{{0, 0}, {5, 0}, {5, 1}, {1, 1}, {1, 4}, {5, 4}, {5, 5}, {0, 5}}}};
  west.cut = true;
  auto east = det("water", 1, 4, 0, 8, 5, "B");
  east.shape = {{{{4, 0}, {8, 0}, {8, 5}, {4, 5}, {4, 4}, {7, 4}, {7, 1}, {4, 1}}}};
  east.cut = true;
  detect::MergeOptions loose;
  loose.threshold = 0.1;  // the pieces overlap by a fifth of the smaller
  const auto ring = detect::merge_detections({west, east}, loose);
  REQUIRE(ring.size() == 1);
  REQUIRE(ring[0].shape.size() == 1);
  CHECK(ring[0].shape[0].size() == 2);  // the exterior and the hole
  // A pond inside a lake's box, not touching the lake, is an object of its own (greedy merging by boxes took it into
  // the lake, whose outline then fell back to its box).
  auto lake = det("water", 1, 0, 0, 10, 10, "A");
  lake.shape = {{{{0, 0}, {10, 0}, {10, 1}, {1, 1}, {1, 10}, {0, 10}}}};
  lake.cut = true;
  auto pond = det("water", 1, 5, 5, 7, 7, "B");
  pond.shape = {{vector::box_ring({5, 5, 7, 7})}};
  pond.cut = true;
  const auto two = detect::merge_detections({lake, pond}, {});
  REQUIRE(two.size() == 2);
  CHECK(two[0].shape.size() == 1);
  CHECK(two[0].box == core::Bounds{0, 0, 10, 10});
  CHECK(two[1].box == core::Bounds{5, 5, 7, 7});
  // The two arms of a U seen apart in one window, joined by a third piece from the next window: one outline.
  auto left_arm = det("water", 1, 0, 0, 2, 10, "A");
  left_arm.shape = {{vector::box_ring({0, 0, 2, 10})}};
  left_arm.cut = true;
  auto right_arm = det("water", 1, 8, 0, 10, 10, "A");
  right_arm.shape = {{vector::box_ring({8, 0, 10, 10})}};
  right_arm.cut = true;
  auto base = det("water", 1, 0, 0, 10, 3, "B");
  base.shape = {{vector::box_ring({0, 0, 10, 3})}};
  base.cut = true;
  const auto u = detect::merge_detections({base, left_arm, right_arm}, {});
  REQUIRE(u.size() == 1);
  CHECK(u[0].shape.size() == 1);
  CHECK(u[0].box == core::Bounds{0, 0, 10, 10});
}

TEST_CASE("merge: outlines sharing area or an edge are one object, in any order; meeting at a corner they are two") {
  // A long region seen by five windows, each piece overlapping the next by a tenth of its length (ios 0.1, well under
  // the threshold of boxes), listed in a shuffled order; a region touching its east end only at a corner; and a
  // region cut by the seam of two tiles without overlap.
  std::vector<detect::Detection> in;
  for (const int i : {3, 0, 4, 2, 1}) {
    auto d = det("water", 1, i * 90.0, 0, i * 90.0 + 100, 10, "w" + std::to_string(i));
    d.shape = {{vector::box_ring(d.box)}};
    d.cut = true;
    in.push_back(d);
  }
  auto corner = det("water", 1, 460, 10, 470, 20, "w9");
  corner.shape = {{vector::box_ring(corner.box)}};
  corner.cut = true;
  in.push_back(corner);
  for (const int t : {0, 1}) {
    auto d = det("water", 1, 600 + t * 50.0, 0, 650 + t * 50.0, 10, "t" + std::to_string(t));
    d.shape = {{vector::box_ring(d.box)}};
    d.cut = true;
    in.push_back(d);
  }
  const auto out = detect::merge_detections(in, {});
  REQUIRE(out.size() == 3);
  CHECK(out[0].box == core::Bounds{0, 0, 460, 10});
  REQUIRE(out[0].shape.size() == 1);
  CHECK(vector::area(out[0].shape) == doctest::Approx(4600));
  CHECK(out[1].box == core::Bounds{600, 0, 700, 10});
  CHECK(out[2].box == corner.box);
  std::reverse(in.begin(), in.end());
  const auto reversed = detect::merge_detections(in, {});
  REQUIRE(reversed.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(reversed[i].box == out[i].box);
  // NMS keeps the best piece, outline and all, as it does boxes.
  detect::MergeOptions nms;
  nms.method = detect::MergeMethod::nms;
  CHECK(detect::merge_detections(in, nms).size() > 3);
}

TEST_CASE("merge: a region seen whole by several windows is one object, and so are the cut pieces of it others saw") {
  const vector::Shape pond{{vector::box_ring({10, 10, 20, 20}), vector::box_ring({12, 12, 14, 14})}};
  std::vector<detect::Detection> in;
  for (const char* window : {"A", "B", "C"}) {
    auto whole = det("water", 1, 10, 10, 20, 20, window);
    whole.shape = pond;
    in.push_back(whole);
  }
  auto cut = det("water", 1, 15, 10, 20, 20, "D");  // the part a fourth window read
  cut.shape = {{vector::box_ring({15, 10, 20, 20})}};
  cut.cut = true;
  in.push_back(cut);
  const auto out = detect::merge_detections(in, {});
  REQUIRE(out.size() == 1);
  CHECK(out[0].shape == pond);
  CHECK(out[0].window == "A");
}

namespace {
// A box `det` cut on `sides` (map BoxSide bits) by its window's edge, with 1/1000 of a 1-unit pixel of tolerance.
detect::Detection cut_box(std::string cls, double score, core::Bounds b, std::uint8_t sides, std::string window) {
  auto d = det(std::move(cls), score, b.min_x, b.min_y, b.max_x, b.max_y, std::move(window));
  d.cut_sides = sides;
  d.seam_tolerance = 1e-3;
  return d;
}
}  // namespace

TEST_CASE("merge: boxes cut by a seam between tiles without overlap are one object, whatever their classes") {
  using detect::side_x0, detect::side_x1, detect::side_y0, detect::side_y1;
  // A ship across the seam x = 512 between tiles A and B (the sides on it 1e-9 apart, as two geotransforms give).
  std::vector<detect::Detection> in{cut_box("ship", 0.7, {500, 40, 512, 46}, side_x1, "A"),
                                    cut_box("ship", 0.9, {512 + 1e-9, 41, 530, 47}, side_x0, "B")};
  // One at the corner of four tiles: four pieces, two of them half a truck taken for a car.
  in.push_back(cut_box("truck", 0.8, {1020, 1020, 1024, 1024}, side_x1 | side_y1, "C"));
  in.push_back(cut_box("car", 0.6, {1024, 1021, 1027, 1024}, side_x0 | side_y1, "D"));
  in.push_back(cut_box("car", 0.5, {1021, 1024, 1024, 1026}, side_x1 | side_y0, "E"));
  in.push_back(cut_box("truck", 0.7, {1024, 1024, 1028, 1026}, side_x0 | side_y0, "F"));
  // Stay apart: boxes meeting at a corner only; a seam side not cut on one of them; a piece short of the seam.
  in.push_back(cut_box("ship", 0.5, {2000, 0, 2010, 10}, side_x1, "G"));
  in.push_back(cut_box("ship", 0.5, {2010, 10, 2020, 20}, side_x0, "H"));
  in.push_back(cut_box("ship", 0.5, {3000, 0, 3010, 10}, side_x1, "I"));
  in.push_back(det("ship", 0.5, 3010, 0, 3020, 10, "J"));
  in.push_back(cut_box("ship", 0.5, {4000, 0, 4010, 10}, side_x1, "K"));
  in.push_back(cut_box("ship", 0.5, {4010.5, 0, 4020, 10}, side_x0, "L"));
  const auto with_box = [](const std::vector<detect::Detection>& out, const core::Bounds& box) {
    const auto at = std::find_if(out.begin(), out.end(), [&](const auto& d) { return d.box == box; });
    REQUIRE(at != out.end());
    return *at;
  };
  for (const auto method : {detect::MergeMethod::merge, detect::MergeMethod::nms}) {
    detect::MergeOptions options;
    options.method = method;
    for (int order = 0; order < 2; ++order) {
      const auto out = detect::merge_detections(in, options);
      CHECK(out.size() == 8);
      const auto ship = with_box(out, {500, 40, 530, 47});
      CHECK(ship.score == 0.9);
      CHECK(ship.window == "B");
      const auto truck = with_box(out, {1020, 1020, 1028, 1026});
      CHECK(truck.cls == "truck");
      CHECK(truck.window == "C");
      std::reverse(in.begin(), in.end());
    }
  }
}
