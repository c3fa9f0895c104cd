// GDAL's own messages in swath's log: the raster module routes CPLError to the "gdal" logger.
#include <doctest/doctest.h>

#include <cpl_error.h>

#include "log/context.hpp"
#include "raster/gdal_errors.hpp"
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

TEST_CASE("log: a GDAL warning heard again and again is logged at the 1st, 10th, 100th... hearing, with its count") {
  CapturedLog captured;
  raster::install_gdal_error_handler();
  for (int i = 0; i < 120; ++i) CPLError(CE_Warning, CPLE_AppDefined, "option X ignored (repeat test)");
  CPLError(CE_Warning, CPLE_AppDefined, "another warning (repeat test)");  // its own count
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 4);
  CHECK(field(lines[0], "message") == "option X ignored (repeat test)");
  CHECK(field(lines[1], "message") ==
        "option X ignored (repeat test) (heard 10 times so far; logged at 1, 10, 100... times)");
  CHECK(field(lines[2], "message") ==
        "option X ignored (repeat test) (heard 100 times so far; logged at 1, 10, 100... times)");
  CHECK(field(lines[3], "message") == "another warning (repeat test)");
}

TEST_CASE("log: a retry of a task on the same worker hears its GDAL warnings anew, under its own attempt") {
  CapturedLog captured;
  raster::install_gdal_error_handler();
  for (const char* attempt : {"1", "2"}) {
    log::Scope scope{{"task_id", "t-retried"}, {"attempt", attempt}, {"scene", "short.tif"}};
    CPLError(CE_Warning, CPLE_AppDefined, "block 3 is short (retry test)");
  }
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 2);
  CHECK(field(lines[1], "attempt") == "2");
  CHECK(field(lines[1], "message") == "block 3 is short (retry test)");
}

TEST_CASE("log: inside CapturedGdalErrors failures are kept for the exception; warnings logged, or kept when asked") {
  CapturedLog captured;
  raster::install_gdal_error_handler();
  {
    const raster::CapturedGdalErrors errors;
    CPLError(CE_Failure, CPLE_OpenFailed, "first failure");
    CPLError(CE_Failure, CPLE_AppDefined, "then this");
    CPLError(CE_Warning, CPLE_AppDefined, "a logged warning (captured test)");
    CHECK(errors.failed());
    CHECK(errors.first_failure() == "first failure");
    CHECK(errors.last_failure() == "then this");
    CHECK(errors.warnings().empty());
  }
  {
    const raster::CapturedGdalErrors errors(raster::CapturedGdalErrors::Warnings::keep);
    CPLError(CE_Warning, CPLE_NotSupported, "a kept warning (captured test)");
    CHECK_FALSE(errors.failed());
    CHECK(errors.last_failure("none") == "none");
    REQUIRE(errors.warnings().size() == 1);
    CHECK(errors.warnings()[0].number == CPLE_NotSupported);
    CHECK(errors.warnings()[0].text == "a kept warning (captured test)");
  }
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 1);  // failures and the kept warning are not log lines
  CHECK(field(lines[0], "message") == "a logged warning (captured test)");
}
