// Band math and the index detector: formulas, named bands, a missing band, polygons with a minimum area.
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <tuple>

#include "core/errors.hpp"
#include "detect/expression.hpp"
#include "detect/index_detector.hpp"
#include "vector/ogr_shape.hpp"

using namespace swath;

TEST_CASE("index: expressions parse with precedence and evaluate over arrays") {
  const auto e = detect::Expression::parse(detect::index_formula("ndvi"));
  CHECK(e.names() == std::vector<std::string>{"nir", "red"});
  const float nir[] = {0.5f, 0.2f, 0.0f}, red[] = {0.1f, 0.2f, 0.0f};
  const auto v = e.evaluate(3, [&](std::size_t i) { return i == 0 ? nir : red; });
  CHECK(v[0] == doctest::Approx(0.4 / 0.6));
  CHECK(v[1] == 0.0f);
  CHECK(std::isnan(v[2]));
  const auto p = detect::Expression::parse("-2 * B1 + 3 / (b1 - 1)");
  CHECK(p.names() == std::vector<std::string>{"b1"});
  const float b[] = {4};
  CHECK(p.evaluate(1, [&](std::size_t) { return b; })[0] == doctest::Approx(-7.0));
  CHECK_THROWS_WITH_AS(detect::Expression::parse("(nir - red"), doctest::Contains("missing ')'"), core::UsageError);
  CHECK_THROWS_AS(detect::Expression::parse("nir $ red"), core::UsageError);
}

TEST_CASE("index: an expression deep, long, bandless or with a number out of range is a usage error, not a crash") {
  // 100000 negations or parentheses overflowed the stack (SIGSEGV); each level now counts.
  CHECK_THROWS_WITH_AS(detect::Expression::parse(std::string(51, '-') + "nir"),
                       doctest::Contains("nested deeper than 50 levels"), core::UsageError);
  CHECK_THROWS_WITH_AS(detect::Expression::parse(std::string(51, '(') + "nir" + std::string(51, ')')),
                       doctest::Contains("nested deeper than 50 levels"), core::UsageError);
  CHECK(detect::Expression::parse(std::string(50, '(') + "nir" + std::string(50, ')')).names().size() == 1);
  std::string long_sum = "nir";
  while (long_sum.size() <= 1000) long_sum += "+nir";  // a flat sum is a deep tree too
  CHECK_THROWS_WITH_AS(detect::Expression::parse(long_sum), doctest::Contains("longer than 1000"), core::UsageError);
  // "1" read every pixel as 1 and blamed the scene ("the buffer ... is null").
  CHECK_THROWS_WITH_AS(detect::Expression::parse("1"), doctest::Contains("it names no band"), core::UsageError);
  // std::stod threw its own exceptions here: an "internal error".
  CHECK_THROWS_WITH_AS(detect::Expression::parse("nir * 1e999"), doctest::Contains("not a finite number"),
                       core::UsageError);
  CHECK_THROWS_WITH_AS(detect::Expression::parse("nir * ."), doctest::Contains("not a finite number"),
                       core::UsageError);
}

TEST_CASE("index: a band the scene lacks is named in the error") {
  detect::IndexDetector detector({"ndvi", 0.3, {}, 100, 0, ""});
  raster::SceneInfo scene;
  scene.path = "rgb.tif";
  scene.band_count = 3;
  detect::SceneMeasure measure;
  measure.band_names = {"red", "green", "blue"};
  CHECK_THROWS_WITH_AS(detector.prepare(scene, measure), doctest::Contains("needs band 'nir'"), core::UsageError);
  detect::IndexDetector mapped({"ndvi", 0.3, {"nir=3"}, 100, 0, ""});
  mapped.prepare(scene, measure);
  CHECK(mapped.bands(measure) == std::vector<int>{3, 1});
  // A mapped band beyond the scene's: named as given, not "name it with --index-bands" (it was).
  detect::IndexDetector beyond({"ndvi", 0.3, {"nir=9"}, 100, 0, ""});
  CHECK_THROWS_WITH_AS(beyond.prepare(scene, measure), doctest::Contains("--index-bands nir=9: scene 'rgb.tif' has 3"),
                       core::UsageError);
}

TEST_CASE("index: a band name given two numbers is refused; given one twice, taken") {
  CHECK_THROWS_WITH_AS(detect::IndexDetector({"ndvi", 0.3, {"nir=3", "red=1", "nir=2"}, 100, 0, ""}),
                       doctest::Contains("--index-bands 'nir=2': band 'nir' is also nir=3"), core::UsageError);
  CHECK_NOTHROW(detect::IndexDetector({"ndvi", 0.3, {"nir=3", "nir=3"}, 100, 0, ""}));
}

TEST_CASE("index: --index-bands values that are not NAME=BAND (from 1) are refused when the detector is made") {
  for (const char* bad : {"nir", "nir=0", "=3", "nir=x", "nir=-1", "nir=3x"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(detect::IndexDetector({"ndvi", 0.3, {bad}, 100, 0, ""}),
                         doctest::Contains("expected NAME=BAND with a band number from 1"), core::UsageError);
  }
}

namespace {
// A float block at `window` holding `bands`, each a row-major band of the window's pixels.
raster::PixelBlock float_block(const core::Window& window, const std::vector<std::vector<float>>& bands) {
  raster::PixelBlock block;
  block.window = window;
  block.type = GDT_Float32;
  for (const auto& band : bands) {
    const auto* bytes = reinterpret_cast<const std::byte*>(band.data());
    block.data.insert(block.data.end(), bytes, bytes + band.size() * sizeof(float));
  }
  return block;
}

// What `detector` finds in `window` of a scene of unnamed float `bands` whose pixels are `pixel_metres` wide.
std::vector<detect::Candidate> detect_in(detect::IndexDetector& detector, const core::Window& window,
                                         const std::vector<std::vector<float>>& bands, double pixel_metres = 1) {
  raster::SceneInfo scene;
  scene.band_count = static_cast<int>(bands.size());
  detect::SceneMeasure measure;
  measure.band_names.assign(bands.size(), "");
  measure.pixel_width_m = measure.pixel_height_m = pixel_metres;
  detector.prepare(scene, measure);
  const auto block = float_block(window, bands);
  const std::vector<std::uint8_t> all_data;
  return detector.detect({block, block.window, all_data}, measure);
}
}  // namespace

TEST_CASE("index: regions above the threshold become polygons, small ones are dropped") {
  detect::IndexDetector detector({"(green - nir) / (green + nir)", 0.3, {"green=1", "nir=2"}, 50, 0, "water"});
  const std::int64_t w = 40, h = 30;
  std::vector<float> green(static_cast<std::size_t>(w * h), 0.1f), nir(green.size(), 0.5f);
  auto lake = [&](std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1) {
    for (auto y = y0; y < y1; ++y) {
      for (auto x = x0; x < x1; ++x)
        green[static_cast<std::size_t>(y * w + x)] = 0.9f, nir[static_cast<std::size_t>(y * w + x)] = 0.1f;
    }
  };
  lake(5, 5, 15, 12);                                                         // 70 px = 280 m²
  lake(30, 20, 33, 23);                                                       // 9 px = 36 m²: below 50 m²
  const auto found = detect_in(detector, {100, 200, w, h}, {green, nir}, 2);  // 4 m² per pixel
  REQUIRE(found.size() == 1);
  CHECK(found[0].cls == "water");
  CHECK(found[0].x0 == 105);
  CHECK(found[0].y0 == 205);
  CHECK(found[0].x1 == 115);
  CHECK(found[0].y1 == 212);
  REQUIRE(found[0].shape.size() == 1);
  CHECK(found[0].shape[0][0].size() >= 4);
}

namespace {
// The index detector's candidates on a one-band window whose pixels are 1 where `set` says.
std::vector<detect::Candidate> regions(std::int64_t w, std::int64_t h,
                                       const std::function<bool(std::int64_t, std::int64_t)>& set) {
  std::vector<float> values;
  for (std::int64_t y = 0; y < h; ++y) {
    for (std::int64_t x = 0; x < w; ++x) values.push_back(set(x, y) ? 1.0f : 0.0f);
  }
  detect::IndexDetector detector({"b1", 0.5, {"b1=1"}, 0, 0, "x"});
  auto found = detect_in(detector, {0, 0, w, h}, {values});
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return std::tie(a.y0, a.x0) < std::tie(b.y0, b.x0); });
  return found;
}
}  // namespace

TEST_CASE("index: outlines are valid polygons with their holes; pixels meeting only at a corner are two regions") {
  // '#': above the threshold. A 5x5 square ring (a hole of 3x3), three pixels on a diagonal.
  const std::vector<std::string> rows{"............",  //
                                      ".#####..#...",  //
                                      ".#...#...#..",  //
                                      ".#...#....#.",  //
                                      ".#...#......",  //
                                      ".#####......",  //
                                      "............"};
  const auto found = regions(12, 7, [&](std::int64_t x, std::int64_t y) {
    return rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '#';
  });
  REQUIRE(found.size() == 4);
  for (const auto& c : found) CHECK(vector::is_valid(c.shape));
  // The square ring: one polygon with its hole, 16 pixels.
  REQUIRE(found[0].shape.size() == 1);
  CHECK(found[0].shape[0].size() == 2);
  CHECK(vector::area(found[0].shape) == doctest::Approx(16));
  CHECK(found[1].x0 == 8);  // the diagonal: a region per pixel
  CHECK(found[3].x0 == 10);

  // GDAL outlines 8-connected regions with rings that touch themselves (invalid): on noise, every outline is valid.
  const auto noise =
      regions(96, 96, [](std::int64_t x, std::int64_t y) { return ((x * 7919 + y * 104729) ^ (x * y)) % 5 < 2; });
  CHECK(noise.size() > 100);
  for (const auto& c : noise) REQUIRE(vector::is_valid(c.shape));
}

TEST_CASE("index: a pixel whose index equals the threshold is not above it") {
  // NDWI of green 91, nir 49 is 42/140 = 0.3 exactly; as a float it is a hair above the double 0.3.
  detect::IndexDetector detector({"(green - nir) / (green + nir)", 0.3, {"green=1", "nir=2"}, 0, 0, "water"});
  const std::int64_t w = 8, h = 8;
  std::vector<float> green(static_cast<std::size_t>(w * h), 91.0f), nir(green.size(), 49.0f);
  CHECK(detect_in(detector, {0, 0, w, h}, {green, nir}).empty());
  green[0] = 92.0f;  // 43/141 = 0.305: above
  CHECK(detect_in(detector, {0, 0, w, h}, {green, nir}).size() == 1);
}

TEST_CASE("index: without --index-class, NDWI's regions are water and NDVI's vegetation, as synth names them") {
  const auto class_of = [](const std::string& index) {
    return detect::IndexDetector({index, 0.3, {}, 50, 0, ""}).options_json().at("class").as_string();
  };
  CHECK(class_of("ndwi") == "water");
  CHECK(class_of("ndvi") == "vegetation");
  CHECK(class_of("NDWI") == "water");  // any case: it was read as a band named 'ndwi'
  CHECK(detect::index_formula("NDVI") == "(nir - red) / (nir + red)");
  CHECK(class_of("(nir - red) / (nir + red)") == "(nir - red) / (nir + red)");
  CHECK(detect::IndexDetector({"ndwi", 0.3, {}, 50, 0, "pond"}).options_json().at("class").as_string() == "pond");
}
