// GDAL's own messages in swath's log: the raster module routes CPLError to the "gdal" logger.
#include <doctest/doctest.h>

#include <cpl_error.h>

#include "log/context.hpp"
#include "raster/gdal_settings.hpp"
#include "support/captured_log.hpp"

using namespace swath;
using test::CapturedLog;
using test::field;

TEST_CASE("log: GDAL's CPLError messages go through the logger with the thread's context") {
  CapturedLog captured;
  raster::install_gdal_error_handler();
  {
    log::Scope scope{{"scene", "corrupt.tif"}};
    CPLError(CE_Warning, CPLE_AppDefined, "block %d is short", 12);
  }
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 1);
  CHECK(field(lines[0], "component") == "gdal");
  CHECK(field(lines[0], "severity") == "WARNING");
  CHECK(field(lines[0], "message") == "block 12 is short");
  CHECK(field(lines[0], "scene") == "corrupt.tif");
}
