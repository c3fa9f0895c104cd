// End to end: `swath tile --grid xyz` — the pyramid, its manifest and TileJSON, byte-identical for any --threads,
// mosaics (last on top), and bad input (no place on Earth, poles and antimeridian, zooms, mixed layouts).
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "tiling/manifest_reader.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A Byte scene (UTM 18N, 10 m pixels unless georeferencing is replaced) with a gradient in every band.
std::string byte_scene(const test::ScratchDir& dir, const std::string& name, int size, int bands = 3, int value = -1) {
  return test::make_scene(
      dir / name,
      {.width = size, .height = size, .bands = bands, .type = GDT_Byte, .pixel = [value](int b, int x, int y) {
         return value >= 0 ? value : (x + 2 * y + 40 * b) % 251;
       }});
}

// Replaces a scene's georeferencing: `epsg` 0 removes the CRS; no geotransform when `gt` is null.
void set_georef(const std::string& path, const double* gt, int epsg) {
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
  REQUIRE(dataset);
  if (gt != nullptr) REQUIRE(dataset->SetGeoTransform(const_cast<double*>(gt)) == CE_None);
  if (epsg != 0) {
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    REQUIRE(dataset->SetSpatialRef(&srs) == CE_None);
  } else {
    REQUIRE(dataset->SetProjection("") == CE_None);
  }
}

// Every file under `root`, relative path → bytes.
std::map<std::string, std::string> files_under(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file())
      out[fs::relative(entry.path(), root).string()] = core::read_file(entry.path().string());
  }
  return out;
}

std::set<std::string> tiles_under(const std::string& root) {
  std::set<std::string> out;
  for (const auto& [path, bytes] : files_under(root)) {
    if (path.size() > 4 && path.substr(path.size() - 4) == ".png") out.insert(path);
  }
  return out;
}

}  // namespace

TEST_CASE(
    "tile --grid xyz: every zoom, a manifest the tiling reader reads, TileJSON, the same bytes for 1 and 2 threads") {
  test::ScratchDir dir;
  const auto scene = byte_scene(dir, "s.tif", 300);
  const auto one =
      test::swath({"tile", scene, "-o", dir / "one", "--grid", "xyz", "--zoom", "9-13", "--threads", "1", "--json"});
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  const auto two = test::swath({"tile", scene, "-o", dir / "two", "--grid", "xyz", "--zoom", "9-13", "--threads", "2"});
  REQUIRE_MESSAGE(two.exit_code == 0, two.err);
  CHECK(files_under(dir / "one") == files_under(dir / "two"));

  const auto tilejson = core::Json::parse(core::read_file(dir / "one/tilejson.json"));
  CHECK(tilejson.at("tilejson").as_string() == "3.0.0");
  CHECK(tilejson.at("minzoom").as_int() == 9);
  CHECK(tilejson.at("maxzoom").as_int() == 13);
  // gdal2tiles' default for this scene (10 m at 36°N is 12.4 m in EPSG:3857; 300 px fit one tile): zoom 13 only.
  REQUIRE(test::swath({"tile", scene, "-o", dir / "auto", "--grid", "xyz"}).exit_code == 0);
  const auto automatic = core::Json::parse(core::read_file(dir / "auto/tilejson.json"));
  CHECK(automatic.at("minzoom").as_int() == 13);
  CHECK(automatic.at("maxzoom").as_int() == 13);
  CHECK(tilejson.at("tiles").as_array().at(0).as_string() == "{z}/{x}/{y}.png");

  std::set<int> zooms;
  std::size_t lines = 0;
  tiling::ManifestReader reader(dir / "one/tiles.jsonl");
  while (auto entry = reader.next()) {
    if (std::holds_alternative<tiling::ManifestHeader>(*entry)) {
      CHECK(std::get<tiling::ManifestHeader>(*entry).json.at("grid").as_string() == "xyz");
      continue;
    }
    const auto& line = std::get<tiling::ManifestLine>(*entry);
    ++lines;
    zooms.insert(static_cast<int>(line.json.at("z").as_int()));
    CHECK(line.id == line.json.at("z").dump() + "/" + line.json.at("x").dump() + "/" + line.json.at("y").dump());
    const std::string bytes = core::read_file(line.tile_file());
    CHECK(line.sha256 == core::sha256_hex(bytes));
    CHECK(line.bytes == static_cast<std::int64_t>(bytes.size()));
    CHECK(line.json.at("bounds_wgs84").as_array().size() == 4);
  }
  CHECK(zooms == std::set<int>{9, 10, 11, 12, 13});
  CHECK(lines == tiles_under(dir / "one").size());
  const auto summary = core::Json::parse(one.out);
  CHECK(summary.at("written").as_int() == static_cast<std::int64_t>(lines));
}

TEST_CASE("tile --grid xyz: partial tiles carry alpha; a lower zoom is made from its children") {
  test::ScratchDir dir;
  const auto scene = byte_scene(dir, "s.tif", 100, 1, 200);  // 1 km of grey 200: far less than a zoom-13 tile
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", "12-13"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const auto& path : tiles_under(dir / "out")) {
    GDALDatasetUniquePtr tile(GDALDataset::Open((dir / "out/" + path).c_str(), GDAL_OF_RASTER));
    REQUIRE(tile);
    REQUIRE(tile->GetRasterCount() == 2);  // grey + alpha
    const auto grey = test::read_band(*tile, 1);
    const auto alpha = test::read_band(*tile, 2);
    std::size_t covered = 0;
    for (std::size_t i = 0; i < alpha.size(); ++i) {
      if (alpha[i] == 255) {
        ++covered;
        CHECK(grey[i] == 200);
      }
    }
    CHECK(covered > 0);
    CHECK(covered < alpha.size());
  }
}

TEST_CASE("tile --grid xyz: a fully covered tile has no alpha band; --resume reads such a tile back as opaque") {
  test::ScratchDir dir;
  const auto scene = byte_scene(dir, "s.tif", 1500);  // 15 km: whole zoom-13 and zoom-14 tiles inside
  const std::vector<std::string> args = {"tile",  scene,          "--grid", "xyz",   "--zoom",
                                         "12-14", "--max-memory", "16MiB",  "--json"};
  auto with = [&](std::vector<std::string> more) {
    auto all = args;
    all.insert(all.end(), more.begin(), more.end());
    return test::swath(all);
  };
  REQUIRE(with({"-o", dir / "whole"}).exit_code == 0);
  std::map<int, std::size_t> opaque, partial;  // by zoom
  for (const auto& path : tiles_under(dir / "whole")) {
    GDALDatasetUniquePtr tile(GDALDataset::Open((dir / "whole/" + path).c_str(), GDAL_OF_RASTER));
    REQUIRE(tile);
    const int zoom = std::stoi(path.substr(0, path.find('/')));
    if (tile->GetRasterCount() == 3) {
      ++opaque[zoom];
    } else {
      REQUIRE(tile->GetRasterCount() == 4);
      const auto alpha = test::read_band(*tile, 4);
      CHECK(std::count(alpha.begin(), alpha.end(), 255) < static_cast<std::ptrdiff_t>(alpha.size()));
      ++partial[zoom];
    }
  }
  CHECK(opaque[13] > 0);
  CHECK(opaque[14] > 0);
  CHECK(partial[14] > 0);
  // Kept blocks whose roots are opaque zoom-13 tiles feed zoom 12 from their files: the same bytes as in one go.
  REQUIRE(with({"-o", dir / "resumed"}).exit_code == 0);
  std::string lost;
  for (const auto& path : tiles_under(dir / "resumed")) {
    if (path.rfind("14/", 0) == 0) lost = path;
  }
  fs::remove(dir / "resumed/" + lost);
  const auto r = with({"-o", dir / "resumed", "--resume"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("skipped_resumed").as_int() > 0);
  CHECK(files_under(dir / "resumed") == files_under(dir / "whole"));
}

TEST_CASE("tile --grid xyz: a directory holding another tile set (chips, other options, other scenes) is refused") {
  test::ScratchDir dir;
  const auto under = byte_scene(dir, "under.tif", 200, 1, 50);
  const auto over = byte_scene(dir, "over.tif", 200, 1, 220);
  const double shifted[6] = {501000, 10, 0, 4000000, 0, -10};
  set_georef(over, shifted, 32618);
  const std::vector<std::string> xyz = {"--grid", "xyz", "--zoom", "12-13"};
  const auto run = [&](std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.begin(), "tile");
    args.insert(args.end(), more.begin(), more.end());
    return test::swath(args);
  };
  REQUIRE(run({under, over, "-o", dir / "p"}, xyz).exit_code == 0);
  const auto before = files_under(dir / "p");
  REQUIRE(run({under, over, "-o", dir / "p"}, xyz).exit_code == 0);  // the same command again: its own tiles
  CHECK(files_under(dir / "p") == before);
  // Another order composites other pixels at the same z/x/y: neither a re-run nor --resume may mix them.
  for (const bool resume : {false, true}) {
    auto more = xyz;
    if (resume) more.push_back("--resume");
    const auto r = run({over, under, "-o", dir / "p"}, more);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "scenes under,over"));
    CHECK(contains(r.err, "scenes over,under"));
    CHECK(contains(r.err, "remove that pyramid first"));
  }
  auto r = run({under, "-o", dir / "p"}, {"--grid", "xyz", "--zoom", "12-14"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "zoom"));
  r = run({under, "-o", dir / "p", "--size", "64"}, {});  // chips into a pyramid's directory
  CHECK(r.exit_code == 2);
  REQUIRE(run({under, "-o", dir / "chips", "--size", "64"}, {}).exit_code == 0);
  r = run({under, "-o", dir / "chips"}, xyz);  // a pyramid into chips' directory
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "'" + dir / "chips" + "'"));
  CHECK(files_under(dir / "p") == before);
}

TEST_CASE("tile --grid xyz: several scenes are mosaicked, the last one on top") {
  test::ScratchDir dir;
  const auto under = byte_scene(dir, "under.tif", 200, 1, 50);
  const auto over = byte_scene(dir, "over.tif", 200, 1, 220);
  const double shifted[6] = {501000, 10, 0, 4000000, 0, -10};  // over starts 1 km east: half of it on under
  set_georef(over, shifted, 32618);
  const auto r =
      test::swath({"tile", under, over, "-o", dir / "out", "--grid", "xyz", "--zoom", "13", "--resampling", "near"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // The pixel at the middle of the overlap (UTM 18N 501500, 3999000 is about 75.0, 36.13) shows `over`.
  std::size_t seen_over = 0, seen_under = 0;
  for (const auto& path : tiles_under(dir / "out")) {
    GDALDatasetUniquePtr tile(GDALDataset::Open((dir / "out/" + path).c_str(), GDAL_OF_RASTER));
    for (double v : test::read_band(*tile, 1)) {
      seen_over += v == 220;
      seen_under += v == 50;
    }
  }
  // under covers 2 km, over 2 km starting 1 km in: with over on top, under shows over 1 km, over over 2 km.
  CHECK(seen_under > 0);
  CHECK(seen_over > seen_under * 3 / 2);
  const auto reversed =
      test::swath({"tile", over, under, "-o", dir / "rev", "--grid", "xyz", "--zoom", "13", "--resampling", "near"});
  REQUIRE(reversed.exit_code == 0);
  CHECK(files_under(dir / "rev") != files_under(dir / "out"));
}

TEST_CASE(
    "tile --grid xyz: a scene with no place on Earth is a data error (exit 1) naming the file and what is missing") {
  test::ScratchDir dir;
  const auto no_crs = byte_scene(dir, "no_crs.tif", 64);
  set_georef(no_crs, nullptr, 0);
  auto r = test::swath({"tile", no_crs, "-o", dir / "a", "--grid", "xyz"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "no_crs.tif"));
  CHECK(contains(r.err, "no CRS"));
  const auto no_gt = test::make_scene(
      dir / "no_gt.tif", {.width = 64, .height = 64, .bands = 3, .type = GDT_Byte, .georeferenced = false});
  r = test::swath({"tile", no_gt, "-o", dir / "b", "--grid", "xyz"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "no_gt.tif"));
  CHECK(contains(r.err, "no geotransform"));
  CHECK_FALSE(fs::exists(dir / "b/tiles.jsonl"));
}

TEST_CASE("tile --grid xyz: a geographic scene reaching the poles or past the antimeridian is clipped with a warning") {
  test::ScratchDir dir;
  const auto world = byte_scene(dir, "world.tif", 180, 1, 120);
  const double global[6] = {-180, 2, 0, 90, 0, -1};  // 360° × 180°: both poles
  set_georef(world, global, 4326);
  auto r = test::swath({"tile", world, "-o", dir / "world", "--grid", "xyz", "--zoom", "0-2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.err, "clipped"));
  CHECK(tiles_under(dir / "world").size() == 1 + 4 + 16);

  const auto pacific = byte_scene(dir, "pacific.tif", 100, 1, 80);
  const double across[6] = {170, 0.2, 0, 10, 0, -0.2};  // 170°E to 190°E
  set_georef(pacific, across, 4326);
  r = test::swath({"tile", pacific, "-o", dir / "pacific", "--grid", "xyz", "--zoom", "3", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.err, "clipped"));
  // Only the part west of 180°: zoom 3 column 7 (157.5°E..180°), never column 0 (a wrapped smear).
  for (const auto& path : tiles_under(dir / "pacific")) CHECK(path.rfind("3/7/", 0) == 0);
  CHECK_FALSE(tiles_under(dir / "pacific").empty());
}

TEST_CASE(
    "tile --grid xyz: zooms beyond 24 or inverted, chip formats and chip-only options are usage errors (exit 2)") {
  test::ScratchDir dir;
  const auto scene = byte_scene(dir, "s.tif", 32);
  const std::vector<std::pair<std::string, std::string>> zooms = {
      {"3-25", "zoom 25 is beyond 24"},
      {"14-6", "the range is inverted"},
      {"x", "'x' is not a zoom level"},
      {"3-", "it is not a zoom level or a MIN-MAX range"}};  // was "'' is not a zoom level"
  for (const auto& [zoom, why] : zooms) {
    const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", zoom});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, "flag --zoom: zoom '" + zoom + "': " + why), r.err);
  }
  auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--format", "GTiff"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "PNG"));
  r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--bands", "1"});
  CHECK(r.exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("tile --grid xyz: scenes of different band counts are refused naming both") {
  test::ScratchDir dir;
  const auto rgb = byte_scene(dir, "rgb.tif", 32, 3);
  const auto grey = byte_scene(dir, "grey.tif", 32, 1);
  const auto r = test::swath({"tile", rgb, grey, "-o", dir / "out", "--grid", "xyz"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "rgb.tif"));
  CHECK(contains(r.err, "grey.tif"));
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
}

TEST_CASE("tile --grid xyz --resume: keeps intact blocks, redoes a block whose tile is gone, ends as a run in one go") {
  test::ScratchDir dir;
  const auto scene = byte_scene(dir, "s.tif", 300);
  // A small --max-memory makes blocks of 2×2 base tiles, so one lost tile leaves other blocks intact.
  const std::vector<std::string> args = {"tile", scene,          "--grid", "xyz",   "--zoom",
                                         "9-13", "--max-memory", "16MiB",  "--json"};
  auto with = [&](std::vector<std::string> more) {
    auto all = args;
    all.insert(all.end(), more.begin(), more.end());
    return test::swath(all);
  };
  REQUIRE(with({"-o", dir / "whole"}).exit_code == 0);
  REQUIRE(with({"-o", dir / "resumed"}).exit_code == 0);
  // A base tile lost (as after a kill before its write): its block is warped again, the others are kept.
  std::string lost;
  for (const auto& path : tiles_under(dir / "resumed")) {
    if (path.rfind("13/", 0) == 0) lost = path;
  }
  REQUIRE_FALSE(lost.empty());
  fs::remove(dir / "resumed/" + lost);
  const auto r = with({"-o", dir / "resumed", "--resume"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("skipped_resumed").as_int() > 0);
  CHECK(summary.at("written").as_int() > 0);
  CHECK(files_under(dir / "resumed") == files_under(dir / "whole"));
}
