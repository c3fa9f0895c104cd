// doctest's main for every suite: GDAL's drivers registered once, and the library's logs at warning and above
// (a suite's INFO lines hid its failures; SWATH_TEST_LOG=info or debug shows them again).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <gdal.h>

#include <csignal>
#include <cstdlib>

#include "support/captured_log.hpp"

int main(int argc, char** argv) {
  // As swath's main: a peer that closed the connection (tests cut Redis' on purpose) is EPIPE, not a killed suite.
  std::signal(SIGPIPE, SIG_IGN);
  GDALAllRegister();
  swath::log::configure(swath::test::suite_log_settings());
  doctest::Context context(argc, argv);
  return context.run();
}
