// End to end: a --zoom much coarser than the scene reads it through a decimated grid (webmap::grid_window); the
// tiles still hold the scene's values where covered, over the scene's extent.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("tile --grid xyz: a --zoom 25× coarser than the scene keeps its values and extent") {
  test::ScratchDir dir;
  // 20 km of grey 120 at 10 m (UTM 18N, 36°N: 12.4 m once in EPSG:3857); zoom 9 is 306 m a pixel.
  const auto scene = test::make_scene(
      dir / "flat.tif",
      {.width = 2000, .height = 2000, .bands = 1, .type = GDT_Byte, .pixel = [](int, int, int) { return 120; }});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", "7-9"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  double covered = 0;
  int tiles = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "out/9")) {
    if (!entry.is_regular_file()) continue;
    ++tiles;
    GDALDatasetUniquePtr tile(GDALDataset::Open(entry.path().c_str(), GDAL_OF_RASTER));
    REQUIRE(tile);
    REQUIRE(tile->GetRasterCount() == 2);
    const auto grey = test::read_band(*tile, 1);
    const auto alpha = test::read_band(*tile, 2);
    for (std::size_t i = 0; i < grey.size(); ++i) {
      covered += alpha[i] / 255;
      if (alpha[i] == 255) CHECK(grey[i] == 120);
    }
  }
  CHECK(tiles >= 1);
  const double expected = std::pow(2000 * 10 / std::cos(36.1 * M_PI / 180) / 305.75, 2);
  CHECK(covered > 0.85 * expected);
  CHECK(covered < 1.15 * expected);
}
