// detect --detector index: outlines are valid polygons with their holes, whatever the window grid.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <filesystem>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "vector/layer.hpp"
#include "vector/ogr_shape.hpp"

using namespace swath;

namespace {
// The one feature of `output` that is the lake (the other is the pond); checks it is one valid polygon with its hole.
void check_lake(const std::string& output) {
  const auto layer = vector::read_layer(output);
  REQUIRE(layer.features.size() == 2);
  const auto& lake = layer.features[0].shape;  // detection order: the lake's box starts further north
  REQUIRE(lake.size() == 1);
  CHECK(lake[0].size() == 2);  // its exterior and the island
  CHECK(vector::is_valid(lake));
  CHECK(vector::area(lake) == doctest::Approx(99200 * 100));
  CHECK(vector::area(layer.features[1].shape) == doctest::Approx(1600 * 100));
}
}  // namespace

TEST_CASE("detect index: a lake with an island larger than the window is one valid polygon with its hole") {
  test::ScratchDir dir;
  // 10 m pixels: a 440 x 280 px lake round a 200 x 120 px island, so 99 200 px of water (9.92 km²), and on the
  // island a 40 x 40 px pond, inside the lake's box but an object of its own.
  const auto scene = test::make_scene(
      dir / "lake.tif", {.width = 640, .height = 400, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                           const bool lake = x >= 100 && x < 540 && y >= 60 && y < 340;
                           const bool island = x >= 220 && x < 420 && y >= 140 && y < 260;
                           const bool pond = x >= 300 && x < 340 && y >= 180 && y < 220;
                           return (lake && !island) || pond ? 200.0 : 0.0;
                         }});
  for (const std::string window : {"128", "256", "512"}) {
    CAPTURE(window);
    const std::string output = dir / ("lake-" + window + ".gpkg");
    const auto r = test::swath({"detect", scene, "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                                "--index-threshold", "100", "--min-area", "0", "--window", window, "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    check_lake(output);
  }
  // Tiles cut without overlap, detected from their manifest: the lake's pieces share only the tiles' seams.
  REQUIRE(test::swath({"tile", scene, "-o", dir / "tiles", "--size", "128"}).exit_code == 0);
  const auto r =
      test::swath({"detect", dir / "tiles/tiles.jsonl", "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                   "--index-threshold", "100", "--min-area", "0", "-o", dir / "tiled.gpkg"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  check_lake(dir / "tiled.gpkg");
}

TEST_CASE("detect index: ponds through tiles with and without overlap, at 0.7 m pixels, are the scene's ponds once") {
  test::ScratchDir dir;
  // Ponds of 2-5 px on a 0.7 m grid (not a binary fraction: each tile's geotransform rounds the same corner otherwise),
  // every 23 px, so many lie across the edges of 64 px tiles.
  const auto scene = test::make_scene(
      dir / "ponds.tif", {.width = 300, .height = 300, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                            const int size = 2 + (x / 23 + y / 23) % 4;
                            return x % 23 < size && y % 23 < size ? 200.0 : 0.0;
                          }});
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset);
    double gt[6] = {500000.1, 0.7, 0, 4000000.3, 0, -0.7};
    REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
  }
  const auto detect = [&](const std::string& input, const std::string& output) {
    const auto r = test::swath({"detect", input, "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                                "--index-threshold", "100", "--min-area", "0", "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return vector::read_layer(output);
  };
  const auto whole = detect(scene, dir / "whole.gpkg");
  CHECK(whole.features.size() == 14 * 14);
  for (const std::string overlap : {"0", "16"}) {
    CAPTURE(overlap);
    const std::string tiles = dir / ("tiles-" + overlap);
    REQUIRE(test::swath({"tile", scene, "-o", tiles, "--size", "64", "--overlap", overlap}).exit_code == 0);
    const auto tiled = detect(tiles + "/tiles.jsonl", dir / ("tiled-" + overlap + ".gpkg"));
    REQUIRE(tiled.features.size() == whole.features.size());
    for (std::size_t i = 0; i < tiled.features.size(); ++i) {
      CHECK(vector::envelope(tiled.features[i].shape) == vector::envelope(whole.features[i].shape));
    }
  }
}

TEST_CASE("detect index: --min-area is measured on the whole object, not on what each window sees of it") {
  test::ScratchDir dir;
  // Two 40 x 40 px ponds joined by a 1 px, 2000 px long channel, at 10 m: 520 000 m² in all, under 200 000 m² in
  // every window the channel alone crosses.
  const auto scene =
      test::make_scene(dir / "dumbbell.tif",
                       {.width = 2100, .height = 100, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                          const bool ends = y >= 30 && y < 70 && ((x >= 10 && x < 50) || (x >= 2050 && x < 2090));
                          return ends || (y == 50 && x >= 50 && x < 2050) ? 200.0 : 0.0;
                        }});
  for (const std::string window : {"512", "4096"}) {
    for (const std::string min_area : {"200000", "600000"}) {
      CAPTURE(window);
      CAPTURE(min_area);
      const std::string output = dir / ("d-" + window + "-" + min_area + ".gpkg");
      const auto r =
          test::swath({"detect", scene, "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                       "--index-threshold", "100", "--min-area", min_area, "--window", window, "-o", output});
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
      const auto layer = vector::read_layer(output);
      if (min_area == "600000") {
        CHECK(layer.features.empty());
      } else {
        REQUIRE(layer.features.size() == 1);
        CHECK(vector::area(layer.features[0].shape) == doctest::Approx(520000));
      }
    }
  }
}

TEST_CASE("detect index: --min-area in a lon/lat scene measures pixels at the scene's latitude") {
  test::ScratchDir dir;
  // 100 x 100 px of 0.001° at 60°N: 0.1° x 0.1°, about 6.2e7 m² (1.23e8 m² at the equator).
  const auto scene = test::make_scene(
      dir / "north.tif", {.width = 200, .height = 200, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                            return x >= 50 && x < 150 && y >= 50 && y < 150 ? 200.0 : 0.0;
                          }});
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset);
    double gt[6] = {10, 0.001, 0, 60.1, 0, -0.001};
    REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
    OGRSpatialReference srs;
    srs.importFromEPSG(4326);
    REQUIRE(dataset->SetSpatialRef(&srs) == CE_None);
  }
  const auto count = [&](const std::string& min_area) {
    const std::string output = dir / ("n-" + min_area + ".gpkg");
    const auto r = test::swath({"detect", scene, "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                                "--index-threshold", "100", "--min-area", min_area, "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return vector::read_layer(output).features.size();
  };
  CHECK(count("5e7") == 1);
  CHECK(count("1e8") == 0);
}

TEST_CASE("detect index: tiles of two scenes of one name, from two directories, are two sources, not one") {
  test::ScratchDir dir;
  // The same place twice (two dates, say), each scene named sc.tif: a pond at its west edge and one in the middle.
  std::vector<std::string> scenes, manifests;
  for (const std::string date : {"d1", "d2"}) {
    std::filesystem::create_directories(dir / date);
    scenes.push_back(
        test::make_scene(dir / (date + "/sc.tif"),
                         {.width = 300, .height = 300, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) {
                            const bool west = x < 40 && y >= 20 && y < 60;
                            const bool middle = x >= 140 && x < 180 && y >= 140 && y < 180;
                            return west || middle ? 200.0 : 0.0;
                          }}));
    REQUIRE(test::swath({"tile", scenes.back(), "-o", dir / ("t" + date), "--size", "256"}).exit_code == 0);
    manifests.push_back(dir / ("t" + date + "/tiles.jsonl"));
  }
  const auto detect = [&](const std::vector<std::string>& inputs, const std::string& output) {
    std::vector<std::string> args{"detect"};
    args.insert(args.end(), inputs.begin(), inputs.end());
    args.insert(args.end(), {"--detector", "index", "--index", "b1", "--index-bands", "b1=1", "--index-threshold",
                             "100", "--min-area", "0", "-o", output});
    const auto r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return vector::read_layer(output).features.size();
  };
  const auto direct = detect(scenes, dir / "direct.gpkg");
  CHECK(direct == 2);
  CHECK(detect(manifests, dir / "tiled.gpkg") == direct);
}

TEST_CASE("detect index: a lake one scene cuts with no data and an overlapping scene sees whole is one lake") {
  test::ScratchDir dir;
  // Two scenes of one place: in the first a strip of no data (255) crosses the 100 x 100 px lake, the second sees it.
  const auto lake = [](bool strip) {
    return [strip](int, int x, int y) {
      if (strip && x >= 140 && x < 150) return 255.0;
      return x >= 100 && x < 200 && y >= 100 && y < 200 ? 200.0 : 0.0;
    };
  };
  const auto a = test::make_scene(
      dir / "a.tif", {.width = 300, .height = 300, .bands = 1, .type = GDT_Byte, .pixel = lake(true), .nodata = 255});
  const auto b = test::make_scene(
      dir / "b.tif", {.width = 300, .height = 300, .bands = 1, .type = GDT_Byte, .pixel = lake(false), .nodata = 255});
  for (const std::string window : {"64", "512"}) {
    CAPTURE(window);
    const std::string output = dir / ("ab-" + window + ".gpkg");
    const auto r = test::swath({"detect", a, b, "--detector", "index", "--index", "b1", "--index-bands", "b1=1",
                                "--index-threshold", "100", "--min-area", "0", "--window", window, "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto layer = vector::read_layer(output);
    REQUIRE(layer.features.size() == 1);
    CHECK(vector::area(layer.features[0].shape) == doctest::Approx(100 * 100 * 100));  // 10 m pixels
  }
}
