// End to end: a pyramid's tiles do not depend on --max-memory, which only sizes the blocks the pyramid is built in
// (a block of 8×8 base tiles by default, 2×2 at 16 MiB): every resampling, one scene or a mosaic, directory or archive.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// Every tile under `root`, relative path → bytes.
std::map<std::string, std::string> tiles_under(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".png")
      out[fs::relative(entry.path(), root).string()] = core::read_file(entry.path().string());
  }
  return out;
}

// Noise in every band (UTM 18N, 10 m): a pixel taken from one source pixel over instead of its neighbour shows.
std::string noisy_scene(const std::string& path, int size, double east = 500000) {
  test::make_scene(path,
                   {.width = size, .height = size, .bands = 3, .type = GDT_Byte, .pixel = [](int b, int x, int y) {
                      const auto h = static_cast<std::uint32_t>(x * 7919 + y * 104729 + b * 31) * 2654435761u;
                      return static_cast<double>((h >> 13) % 250 + 1);
                    }});
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
  REQUIRE(dataset);
  double gt[6] = {east, 10, 0, 4000000, 0, -10};
  REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
  return path;
}

}  // namespace

TEST_CASE("tile --grid xyz: the same tiles whatever --max-memory, for every resampling and for a mosaic") {
  test::ScratchDir dir;
  const auto scene = noisy_scene(dir / "a.tif", 600);
  const auto other = noisy_scene(dir / "b.tif", 400, 503000);  // 3 km east: over a's east half
  struct Case {
    std::vector<std::string> scenes;
    std::string resampling;
  };
  for (const Case& c : {Case{{scene}, "average"}, Case{{scene}, "cubic"}, Case{{scene}, "bilinear"},
                        Case{{scene, other}, "average"}, Case{{scene, other}, "near"}}) {
    CAPTURE(c.resampling);
    CAPTURE(c.scenes.size());
    std::map<std::string, std::map<std::string, std::string>> tiles;
    std::map<std::string, std::string> manifests;
    for (const std::string budget : {"256MiB", "16MiB"}) {
      const std::string out = dir / ("out-" + c.resampling + std::to_string(c.scenes.size()) + "-" + budget);
      std::vector<std::string> args{"tile"};
      args.insert(args.end(), c.scenes.begin(), c.scenes.end());
      args.insert(args.end(), {"-o", out, "--grid", "xyz", "--zoom", "11-14", "--resampling", c.resampling,
                               "--max-memory", budget});
      const auto r = test::swath(args);
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
      tiles[budget] = tiles_under(out);
      manifests[budget] = core::read_file(out + "/tiles.jsonl") + core::read_file(out + "/tiles.geojson");
    }
    CHECK(tiles["256MiB"].size() > 16);
    CHECK(tiles["256MiB"] == tiles["16MiB"]);
    CHECK(manifests["256MiB"] == manifests["16MiB"]);  // the same bytes: records in one order (tile_order.hpp)
  }
  // A real scene from zoom 3: the kernels spill a few pixels into tiles past its last one (out of range); a block
  // fed them to its parents, the zooms above the blocks did not (7/26/48, 8/52/97 and 9/104/194 differed).
  const std::string shade = std::string(SWATH_SHARED_DATA_DIR) + "/shade.tif";
  std::map<std::string, std::map<std::string, std::string>> shaded;
  for (const std::string budget : {"16MiB", "8GiB"}) {
    const std::string out = dir / ("shade-" + budget);
    const auto r = test::swath({"tile", shade, "-o", out, "--grid", "xyz", "--zoom", "3-12", "--max-memory", budget});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    shaded[budget] = tiles_under(out);
    shaded[budget]["tiles.jsonl"] = core::read_file(out + "/tiles.jsonl");
  }
  CHECK(shaded["16MiB"].size() > 5);
  CHECK(shaded["16MiB"] == shaded["8GiB"]);
  // GDAL_NUM_THREADS in the environment (GDAL's own warp threads would clone the transformer): the same tiles.
  const auto threaded =
      test::swath({"tile", scene, "-o", dir / "threaded", "--grid", "xyz", "--zoom", "11-14", "--resampling", "cubic"},
                  {.env = {{"GDAL_NUM_THREADS", "ALL_CPUS"}}});
  REQUIRE_MESSAGE(threaded.exit_code == 0, threaded.err);
  CHECK(tiles_under(dir / "threaded") == tiles_under(dir / "out-cubic1-256MiB"));
  // One archive: the same bytes.
  for (const std::string budget : {"256MiB", "16MiB"}) {
    const auto r = test::swath(
        {"tile", scene, "-o", dir / (budget + ".pmtiles"), "--grid", "xyz", "--zoom", "10-13", "--max-memory", budget});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  CHECK(core::read_file(dir / "256MiB.pmtiles") == core::read_file(dir / "16MiB.pmtiles"));
}
