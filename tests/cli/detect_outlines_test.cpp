// detect --detector index: outlines are valid polygons with their holes, whatever the window grid.
#include <doctest/doctest.h>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "vector/layer.hpp"
#include "vector/ogr_shape.hpp"

using namespace swath;

TEST_CASE("detect index: a lake with an island larger than the window is one valid polygon with its hole") {
  test::ScratchDir dir;
  // 10 m pixels: a 440 x 280 px lake round a 200 x 120 px island, so 99 200 px of water (9.92 km²).
  const auto scene = test::make_scene(
      dir / "lake.tif", {.width = 640, .height = 400, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                           const bool lake = x >= 100 && x < 540 && y >= 60 && y < 340;
                           const bool island = x >= 220 && x < 420 && y >= 140 && y < 260;
                           return lake && !island ? 200.0 : 0.0;
                         }});
  for (const std::string window : {"128", "256", "512"}) {
    CAPTURE(window);
    const std::string output = dir / ("lake-" + window + ".gpkg");
    const auto r = test::swath({"detect", scene, "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                                "--index-threshold", "100", "--min-area", "0", "--window", window, "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto layer = vector::read_layer(output);
    REQUIRE(layer.features.size() == 1);
    const auto& shape = layer.features[0].shape;
    REQUIRE(shape.size() == 1);
    CHECK(shape[0].size() == 2);  // its exterior and the island
    CHECK(vector::is_valid(shape));
    CHECK(vector::area(shape) == doctest::Approx(99200 * 100));
  }
}
