// doctest's main for every suite, with GDAL's drivers registered once.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <gdal.h>

int main(int argc, char** argv) {
  GDALAllRegister();
  doctest::Context context(argc, argv);
  return context.run();
}
