// End to end: --scale auto on a band of one value says its pixels come out black, rather than writing black tiles
// without a word.
#include <doctest/doctest.h>

#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("cli tile --scale auto: a band of one value is warned about; a band with a range is not") {
  test::ScratchDir dir;
  const auto flat = test::make_scene(
      dir / "flat.tif",
      {.width = 64, .height = 64, .bands = 1, .type = GDT_UInt16, .pixel = [](int, int, int) { return 10000; }});
  auto r = test::swath({"tile", flat, "-o", dir / "out", "--size", "32", "-f", "PNG", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(core::Json::parse(r.out)
                        .at("warnings")
                        .dump()
                        .find("--scale auto on '" + flat +
                              "': band 1 holds one value (10000): its pixels come out black") != std::string::npos,
                r.out);
  const auto ramp = test::make_scene(dir / "ramp.tif", {.width = 64, .height = 64, .bands = 1, .type = GDT_UInt16});
  r = test::swath({"tile", ramp, "-o", dir / "ramp-out", "--size", "32", "-f", "PNG", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("warnings").dump().find("holds one value") == std::string::npos);
}
