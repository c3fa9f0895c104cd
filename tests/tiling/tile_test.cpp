// tile_scenes on rasters with known pixels: exact copies, bounds, determinism, formats, blank, failures, resume.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

GDALDatasetUniquePtr open(const std::string& path) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  REQUIRE(ds);
  return ds;
}

// Every written tile holds exactly its window of the scene; outside the scene, `fill`.
void check_tiles_copy_scene(const std::string& output, const test::SceneSpec& spec, double fill) {
  const auto lines = test::manifest_lines(output);
  REQUIRE(lines.size() > 1);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& line = lines[i];
    CAPTURE(line.dump());
    REQUIRE(line.at("status").as_string() == "written");
    const auto& w = line.at("window");
    const auto x0 = w.at("x").as_int(), y0 = w.at("y").as_int();
    auto tile = open(output + "/" + line.at("path").as_string());
    REQUIRE(tile->GetRasterXSize() == w.at("width").as_int());
    REQUIRE(tile->GetRasterYSize() == w.at("height").as_int());
    for (int b = 1; b <= spec.bands; ++b) {
      const auto values = test::read_band(*tile, b);
      int mismatches = 0;
      for (int y = 0; y < tile->GetRasterYSize(); ++y) {
        for (int x = 0; x < tile->GetRasterXSize(); ++x) {
          const auto sx = static_cast<int>(x0) + x, sy = static_cast<int>(y0) + y;
          const bool inside = sx < spec.width && sy < spec.height;
          const double expected = inside ? spec.pixel(b, sx, sy) : fill;
          if (values[static_cast<std::size_t>(y * tile->GetRasterXSize() + x)] != expected) ++mismatches;
        }
      }
      CHECK(mismatches == 0);
    }
  }
}

}  // namespace

TEST_CASE("tile: GTiff tiles are pixel-exact copies of their windows, overlap and padded edges included") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 100;
  spec.height = 70;
  spec.nodata = 7;
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32, 8);
  const auto report = tiling::tile_scenes(options);
  CHECK(report.planned == 12);  // stride 24: 4 columns (0, 24, 48, 72) × 3 rows (0, 24, 48)
  CHECK(report.written == 12);
  CHECK(report.failed == 0);
  check_tiles_copy_scene(dir / "out", spec, 7);

  auto tile = open(dir / "out/scene/r000002_c000003.tif");
  int has_nodata = 0;
  CHECK(tile->GetRasterBand(1)->GetNoDataValue(&has_nodata) == 7);
  CHECK(has_nodata == 1);
  CHECK(tile->GetRasterBand(1)->GetRasterDataType() == GDT_UInt16);
  CHECK(std::string(tile->GetMetadataItem("SWATH_TILE")) == "scene/r000002_c000003");
  CHECK(std::string(tile->GetMetadataItem("SWATH_PROVENANCE")).find("options_hash") != std::string::npos);
}

TEST_CASE("tile: GTiff tiles are band-interleaved unless INTERLEAVE or JPEG asks for pixels; the pixels are the same") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.type = GDT_Byte;
  spec.pixel = [](int b, int x, int y) { return (b * 61 + y * 7 + x * 3) % 256; };
  spec.creation_options = {"INTERLEAVE=PIXEL"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  const auto interleave_of = [&](const std::string& out) {
    auto tile = open(out + "/scene/r000000_c000000.tif");
    const char* value = tile->GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE");
    return std::string(value ? value : "");
  };
  int run = 0;
  for (const auto& [given, expected] : std::vector<std::pair<std::string, std::string>>{
           {"", "BAND"}, {"INTERLEAVE=PIXEL", "PIXEL"}, {"interleave=band", "BAND"}, {"COMPRESS=DEFLATE", "BAND"}}) {
    CAPTURE(given);
    const std::string out = dir / ("out-" + std::to_string(++run));
    auto options = test::tile_options(scene, out, 32, 0);
    if (!given.empty()) options.creation_options = {given};
    tiling::tile_scenes(options);
    CHECK(interleave_of(out) == expected);
    check_tiles_copy_scene(out, spec, 0);
  }
  auto options = test::tile_options(scene, dir / "jpeg", 32, 0);
  options.creation_options = {"COMPRESS=JPEG", "PHOTOMETRIC=YCBCR"};
  tiling::tile_scenes(options);
  CHECK(interleave_of(dir / "jpeg") == "PIXEL");  // YCbCr JPEG exists only pixel-interleaved
}

TEST_CASE("tile: shrunk edges are exactly the part inside the scene") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 50;
  spec.height = 40;
  spec.bands = 1;
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32, 0);
  options.grid.edge = tiling::Edge::shrink;
  tiling::tile_scenes(options);
  check_tiles_copy_scene(dir / "out", spec, -1);
  auto corner = open(dir / "out/scene/r000001_c000001.tif");
  CHECK(corner->GetRasterXSize() == 18);
  CHECK(corner->GetRasterYSize() == 8);
}

TEST_CASE("tile: manifest bounds and tile geotransforms follow the scene's geotransform") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  tiling::tile_scenes(test::tile_options(scene, dir / "out", 32, 8));
  const auto lines = test::manifest_lines(dir / "out");
  const auto& gt = test::scene_geotransform;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& w = lines[i].at("window");
    const double x = static_cast<double>(w.at("x").as_int()), y = static_cast<double>(w.at("y").as_int());
    const double width = static_cast<double>(w.at("width").as_int()),
                 height = static_cast<double>(w.at("height").as_int());
    const auto& b = lines[i].at("bounds").as_array();
    CHECK(b[0].as_double() == doctest::Approx(gt[0] + x * gt[1]));
    CHECK(b[2].as_double() == doctest::Approx(gt[0] + (x + width) * gt[1]));
    CHECK(b[1].as_double() == doctest::Approx(gt[3] + (y + height) * gt[5]));
    CHECK(b[3].as_double() == doctest::Approx(gt[3] + y * gt[5]));
    const auto& wgs = lines[i].at("bounds_wgs84").as_array();
    // UTM 18N: easting 500 km is the central meridian 75°W; northing 4000 km is about 36.1°N.
    CHECK(wgs[0].as_double() >= -75.0 - 1e-9);
    CHECK(wgs[0].as_double() < -74.9);
    CHECK(wgs[3].as_double() == doctest::Approx(36.14).epsilon(0.001));
    CHECK(wgs[1].as_double() < wgs[3].as_double());
    auto tile = open(dir / ("out/" + lines[i].at("path").as_string()));
    double tile_gt[6];
    REQUIRE(tile->GetGeoTransform(tile_gt) == CE_None);
    CHECK(tile_gt[0] == b[0].as_double());
    CHECK(tile_gt[3] == b[3].as_double());
  }
  const auto index = core::Json::parse(core::read_file(dir / "out/tiles.geojson"));
  CHECK(index.at("features").as_array().size() == lines.size() - 1);
}

TEST_CASE("tile: 1 and 4 threads, and a re-run, give byte-identical tiles and manifest") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 300;
  spec.height = 200;
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "one", 48, 16);
  options.resources.threads = 1;
  options.creation_options = {"COMPRESS=DEFLATE"};
  tiling::tile_scenes(options);
  options.resources.threads = 4;
  options.output_dir = dir / "four";
  tiling::tile_scenes(options);
  const auto one = test::tree(dir / "one");
  CHECK(one.size() == 2 + 9 * 6);  // manifest, index, 9 columns × 6 rows of tiles (stride 32)
  CHECK(one == test::tree(dir / "four"));
  tiling::tile_scenes(options);  // re-run over the same directory
  CHECK(one == test::tree(dir / "four"));
}

TEST_CASE("tile: shards and index lists split the grid with no overlap and no gap") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  auto options = test::tile_options(scene, dir / "all", 16);
  const auto all = tiling::tile_scenes(options);
  CHECK(all.planned == 12);
  std::int64_t total = 0;
  for (int i = 0; i < 5; ++i) {
    options.output_dir = dir / ("shard" + std::to_string(i));
    options.shard = {i, 5};
    options.report_files = true;
    const auto part = tiling::tile_scenes(options);
    total += part.written;
    for (const auto& file : part.files) {
      const auto bytes = core::read_file(options.output_dir + "/" + file.path);
      CHECK(core::read_file(dir / ("all/" + file.path)) == bytes);
      CHECK(file.sha256 == core::sha256_hex(bytes));
      CHECK(file.bytes == bytes.size());
    }
  }
  CHECK(total == 12);
  options.shard = {};
  options.only_indices = {11, 3, 3};
  options.output_dir = dir / "some";
  const auto some = tiling::tile_scenes(options);
  REQUIRE(some.files.size() == 2);
  CHECK(some.files[0].path == "scene/r000000_c000003.tif");
  CHECK(some.files[1].path == "scene/r000002_c000003.tif");
  options.only_indices = {12};
  CHECK_THROWS_AS(tiling::tile_scenes(options), core::UsageError);
}

TEST_CASE("tile: a scene without georeferencing is tiled on the pixel grid, bounds omitted and said so") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.georeferenced = false;
  const auto scene = test::make_scene(dir / "plain.tif", spec);
  const auto report = tiling::tile_scenes(test::tile_options(scene, dir / "out"));
  CHECK(report.written == 4);
  REQUIRE(report.warnings.size() == 1);
  CHECK(report.warnings[0].find("no georeferencing") != std::string::npos);
  const auto lines = test::manifest_lines(dir / "out");
  CHECK(lines[1].find("bounds") == nullptr);
  CHECK(lines[1].find("bounds_wgs84") == nullptr);
  check_tiles_copy_scene(dir / "out", spec, 0);
}

TEST_CASE("tile: corrupt blocks fail their tiles only; the others are written") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 128;
  spec.height = 128;
  spec.bands = 1;
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  test::corrupt_block(scene, 2, 1);
  const auto report = tiling::tile_scenes(test::tile_options(scene, dir / "out", 32));
  CHECK(report.planned == 16);
  CHECK(report.failed == 1);
  CHECK(report.written == 15);
  REQUIRE(report.failures.size() == 1);
  CHECK(report.failures[0].rfind("scene/r000001_c000002: cannot read window", 0) == 0);
  const auto lines = test::manifest_lines(dir / "out");
  CHECK(lines[7].at("status").as_string() == "failed");
  CHECK(lines[7].find("path") == nullptr);
  CHECK_FALSE(fs::exists(dir / "out/scene/r000001_c000002.tif"));
}

TEST_CASE("tile: blank tiles are skipped at the fraction asked, and recorded") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 64;
  spec.height = 32;
  spec.bands = 2;
  spec.nodata = 0;
  spec.pixel = [](int, int x, int y) {
    return x < 32 || (x < 48 && y < 8) ? 0.0 : 5.0;
  };  // left tile empty, right 1/8 empty
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  options.skip_blank = 1;
  auto report = tiling::tile_scenes(options);
  CHECK(report.blank == 1);
  CHECK(report.written == 1);
  options.skip_blank = 0.1;
  report = tiling::tile_scenes(options);
  CHECK(report.blank == 2);
  CHECK(test::manifest_lines(dir / "out")[2].at("status").as_string() == "blank");
  options.skip_blank = 0;
  CHECK(tiling::tile_scenes(options).written == 2);
}

TEST_CASE("tile: several scenes in one run, one from /vsimem/, each in its own directory of one manifest") {
  test::ScratchDir dir;
  const auto first = test::make_scene(dir / "first.tif", {});
  test::SceneSpec spec;
  spec.bands = 1;
  const auto second = test::make_scene("/vsimem/second.tif", spec);
  auto options = test::tile_options(first, dir / "out", 32);
  options.scenes.push_back(second);
  const auto report = tiling::tile_scenes(options);
  CHECK(report.written == 8);
  const auto lines = test::manifest_lines(dir / "out");
  REQUIRE(lines.size() == 9);
  CHECK(lines[0].at("scenes").as_array().size() == 2);
  CHECK(lines[4].at("id").as_string() == "first/r000001_c000001");
  CHECK(lines[5].at("id").as_string() == "second/r000000_c000000");
  CHECK(fs::exists(dir / "out/second/r000001_c000001.tif"));

  options.scenes = {first, dir / "sub/first.tif"};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options),
                       doctest::Contains("both would be tiled into the directory 'first'"), core::UsageError);
  VSIUnlink(second.c_str());
}
