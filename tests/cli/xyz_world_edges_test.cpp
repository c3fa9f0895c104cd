// End to end: projected scenes at the edges of WebMercator's world — across the antimeridian (one narrow pyramid in
// two parts, not one spanning the world) and around a pole (data up to the world's edge, not cut at GDAL's
// suggestion).
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <set>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// A Byte RGB scene of `size`² pixels in `epsg` with the geotransform `gt`, a gradient in every band (or one grey band
// of `pixel`).
std::string projected_scene(const test::ScratchDir& dir, const std::string& name, int width, int height, int epsg,
                            const double (&gt)[6], std::function<double(int, int, int)> pixel = {}) {
  const auto gradient = [](int b, int x, int y) { return 1 + (x + 2 * y + 40 * b) % 250; };
  const auto path = test::make_scene(
      dir / name,
      {.width = width, .height = height, .bands = pixel ? 1 : 3, .type = GDT_Byte, .pixel = pixel ? pixel : gradient});
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
  REQUIRE(dataset);
  REQUIRE(dataset->SetGeoTransform(const_cast<double*>(gt)) == CE_None);
  OGRSpatialReference srs;
  srs.importFromEPSG(epsg);
  REQUIRE(dataset->SetSpatialRef(&srs) == CE_None);
  return path;
}

// Alpha (the last band) of a tile's pixel; 255 for a tile without alpha.
int alpha_at(const std::string& tile, int x, int y) {
  GDALDatasetUniquePtr dataset(GDALDataset::Open(tile.c_str(), GDAL_OF_RASTER));
  REQUIRE(dataset);
  const int bands = dataset->GetRasterCount();
  if (bands == 1 || bands == 3) return 255;
  return static_cast<int>(test::pixel_at(*dataset, bands, x, y));
}

}  // namespace

TEST_CASE("tile --grid xyz: a UTM scene across the antimeridian makes tiles at both ends of the world only") {
  test::ScratchDir dir;
  // UTM 60N, 60 km × 45 km at 100 m round 180°E, 50°N: 179.7°E to 179.5°W.
  const auto scene = projected_scene(dir, "pacific.tif", 600, 450, 32660, {690000, 100, 0, 5600000, 0, -100});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto tilejson = core::Json::parse(core::read_file(dir / "out/tilejson.json"));
  // gdal2tiles' warp suggestion spans the world at 16 km pixels here (max zoom 3): the scene's own are ~156 m.
  const auto max_zoom = tilejson.at("maxzoom").as_int();
  CHECK(max_zoom == 9);
  const auto& bounds = tilejson.at("bounds").as_array();
  CHECK(bounds[0].as_double() == doctest::Approx(-180));
  CHECK(bounds[2].as_double() == doctest::Approx(180));
  CHECK(std::abs(tilejson.at("center").as_array()[0].as_double()) > 179.5);  // the scene's, not the world's
  const std::int64_t last = (std::int64_t{1} << max_zoom) - 1;
  std::set<std::int64_t> columns;
  for (const auto& entry : fs::directory_iterator(dir / ("out/" + std::to_string(max_zoom)))) {
    columns.insert(std::stoll(entry.path().filename().string()));
  }
  for (auto x : columns) CHECK_MESSAGE((x <= 1 || x >= last - 1), "column " << x << " is far from the antimeridian");
  REQUIRE(columns.count(0) == 1);
  REQUIRE(columns.count(last) == 1);
  // The two sides meet: a row with data on the east edge of the last column and the west edge of the first.
  bool seam = false;
  for (const auto& entry : fs::directory_iterator(dir / ("out/" + std::to_string(max_zoom) + "/0"))) {
    const auto west_tile = entry.path();
    const auto east_tile =
        dir / ("out/" + std::to_string(max_zoom) + "/" + std::to_string(last)) / west_tile.filename();
    if (!fs::exists(east_tile)) continue;
    seam = seam || (alpha_at(west_tile, 0, 128) == 255 && alpha_at(east_tile, 255, 128) == 255);
  }
  CHECK(seam);
  const auto lines = core::read_file(dir / "out/tiles.jsonl");
  CHECK(std::count(lines.begin(), lines.end(), '\n') < 100);  // was 2^z columns wide at every zoom
}

TEST_CASE("tile --grid xyz: across the antimeridian at zoom 0, with another scene, and already in EPSG:3857") {
  test::ScratchDir dir;
  const auto pacific = projected_scene(dir, "pacific.tif", 600, 450, 32660, {690000, 100, 0, 5600000, 0, -100});
  // Zoom 0's one tile holds both parts: each part's pass (gdal2tiles' average query) keeps the other's pixels.
  // UTM 60N, 600 km × 900 km at 1 km round 177°E, 50°N: about 4°E to 2°W.
  const auto wide = projected_scene(dir, "wide.tif", 600, 900, 32660, {200000, 1000, 0, 6000000, 0, -1000});
  auto r = test::swath({"tile", wide, "-o", dir / "z0", "--grid", "xyz", "--zoom", "0"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(alpha_at(dir / "z0/0/0/0.png", 0, 87) > 0);    // 180°W side, 50°N
  CHECK(alpha_at(dir / "z0/0/0/0.png", 255, 87) > 0);  // 180°E side
  // With a scene of UTM zone 1 east of 180°, the centre stays by the antimeridian (not mid-Atlantic).
  const auto east = projected_scene(dir, "east.tif", 300, 300, 32601, {260000, 100, 0, 5600000, 0, -100});
  r = test::swath({"tile", pacific, east, "-o", dir / "both", "--grid", "xyz"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto both = core::Json::parse(core::read_file(dir / "both/tilejson.json"));
  CHECK(std::abs(both.at("center").as_array()[0].as_double()) > 179);
  // A scene in EPSG:3857 already, running 40 km east past 180°: its part past the edge is tiled at the west edge.
  const auto mercator =
      projected_scene(dir, "mercator.tif", 800, 400, 3857, {20037508.342789244 - 40000, 100, 0, 6500000, 0, -100});
  r = test::swath({"tile", mercator, "-o", dir / "mercator", "--grid", "xyz", "--zoom", "9"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::exists(dir / "mercator/9/0"));
  CHECK(fs::exists(dir / "mercator/9/511"));
  // Wholly past the edge (179.4°W to 178.5°W written as x beyond 20037508): tiled at the west edge, not refused.
  const auto beyond = projected_scene(dir, "beyond.tif", 800, 400, 3857, {20100000, 100, 0, 6500000, 0, -100});
  r = test::swath({"tile", beyond, "-o", dir / "beyond", "--grid", "xyz", "--zoom", "9"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::exists(dir / "beyond/9/1"));
  CHECK_FALSE(fs::exists(dir / "beyond/9/511"));
}

TEST_CASE("tile --grid xyz: a geographic scene up to 90°N is not taken for one holding the pole") {
  test::ScratchDir dir;
  // 5°W to 5°E, 80°N to 90°N: clipped at 85.0511°, ten degrees wide, not stretched round the world.
  const auto scene = projected_scene(dir, "cap.tif", 100, 100, 4326, {-5, 0.1, 0, 90, 0, -0.1});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto tilejson = core::Json::parse(core::read_file(dir / "out/tilejson.json"));
  CHECK(tilejson.at("bounds").as_array()[0].as_double() == doctest::Approx(-5).epsilon(0.01));
  CHECK(tilejson.at("bounds").as_array()[2].as_double() == doctest::Approx(5).epsilon(0.03));  // 4.92: a pixel in
}

TEST_CASE("tile --grid xyz: a polar stereographic scene around the North Pole reaches the world's northern edge") {
  test::ScratchDir dir;
  // EPSG:3413, 2000 km square centred on the pole at 4 km: every longitude north of ~81°N.
  const auto scene = projected_scene(dir, "arctic.tif", 500, 500, 3413, {-1000000, 4000, 0, 1000000, 0, -4000});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", "2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto tilejson = core::Json::parse(core::read_file(dir / "out/tilejson.json"));
  CHECK(tilejson.at("bounds").as_array()[3].as_double() == doctest::Approx(85.0511287798066));
  // Each zoom-2 tile of the top row is covered up to its first pixel row (85.05°N): GDAL's suggested extent stopped
  // at the scene's corners' latitude (80.8°N).
  for (int x = 0; x < 4; ++x) {
    const auto tile = dir / ("out/2/" + std::to_string(x) + "/0.png");
    REQUIRE_MESSAGE(fs::exists(tile), tile);
    CHECK_MESSAGE(alpha_at(tile, 128, 0) == 255, tile);
  }
}

TEST_CASE("tile --grid xyz: a polar scene wholly beyond 85.0511° lies outside the pyramid's world") {
  test::ScratchDir dir;
  // EPSG:3413, 100 km round the pole: every point north of 89.5°N.
  const auto scene = projected_scene(dir, "top.tif", 100, 100, 3413, {-50000, 1000, 0, 50000, 0, -1000});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("lies outside WebMercator's world") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
}

TEST_CASE("tile --grid xyz: a polar scene is warped through a grid as fine as its pixels, not GDAL's suggestion") {
  test::ScratchDir dir;
  // EPSG:3413, 1200 km square round the pole at 2 km, each pixel its row (mod 250): GDAL's suggested grid (47 km)
  // skipped every other row at zoom 5 and made max zoom 1.
  const auto scene = projected_scene(dir, "rows.tif", 600, 600, 3413, {-600000, 2000, 0, 600000, 0, -2000},
                                     [](int, int, int y) { return 1 + y % 250; });
  auto r = test::swath({"tile", scene, "-o", dir / "z5", "--grid", "xyz", "--zoom", "5", "--resampling", "near"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  GDALDatasetUniquePtr tile(GDALDataset::Open((dir / "z5/5/12/0.png").c_str(), GDAL_OF_RASTER));
  REQUIRE(tile);
  const auto grey = test::read_band(*tile, 1), alpha = test::read_band(*tile, tile->GetRasterCount());
  int steps = 0;
  for (int y = 1; y < 256; ++y) {  // down column 128: rows of the scene one after another, none skipped
    const auto above = static_cast<std::size_t>((y - 1) * 256 + 128), here = static_cast<std::size_t>(y * 256 + 128);
    if (alpha[above] < 255 || alpha[here] < 255 || grey[here] == grey[above]) continue;
    ++steps;
    CHECK_MESSAGE(std::abs(grey[here] - grey[above]) <= 1, "row " << y);
  }
  CHECK(steps > 10);
  r = test::swath({"tile", scene, "-o", dir / "default", "--grid", "xyz"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(core::read_file(dir / "default/tilejson.json")).at("maxzoom").as_int() == 3);
  // Beside the pole (74-84°N, across 180°), GDAL's 59 km grid made max zoom 2; 2 km pixels at 74°N are zoom 4's.
  const auto beside = projected_scene(dir, "beside.tif", 500, 500, 3413, {-1200000, 2000, 0, 1200000, 0, -2000});
  r = test::swath({"tile", beside, "-o", dir / "beside", "--grid", "xyz"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(core::read_file(dir / "beside/tilejson.json")).at("maxzoom").as_int() == 4);
}
