// End to end: `swath tile` on real files — summary, exit codes, messages, bad scenes, full and read-only disks.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "cli/tile_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "support/tiny_fs.hpp"

using namespace swath;
using namespace swath::test::tiles;
namespace fs = std::filesystem;

TEST_CASE("cli tile: writes tiles, manifest and index and prints a JSON summary") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "32", "--overlap", "8", "--json"});
  REQUIRE(r.exit_code == 0);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("schema").as_string() == "swath.tile.summary/1");
  CHECK(summary.at("written").as_int() == 6);  // 64×48, stride 24: 3 columns × 2 rows
  CHECK(summary.at("failed").as_int() == 0);
  CHECK(summary.at("bytes").as_int() > 0);
  CHECK(test::manifest_lines(dir / "out").size() == 7);
  CHECK(fs::exists(dir / "out/tiles.geojson"));
  CHECK(fs::exists(dir / "out/scene/r000001_c000002.tif"));
  CHECK_FALSE(fs::exists(dir / "out/.tiles.jsonl.journal"));
  // stderr is not a terminal here: progress comes as log lines, not a bar.
  CHECK(contains(r.err, R"("component":"progress","message":"6/6 tiles done, 0 failed)"));
}

TEST_CASE("cli tile: --threads 1 and 4 give identical bytes") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 200, .height = 120});
  CHECK(test::swath({"tile", scene, "-o", dir / "a", "--size", "32", "--threads", "1", "--format", "png"}).exit_code ==
        0);
  CHECK(test::swath({"tile", scene, "-o", dir / "b", "--size", "32", "--threads", "4", "--format", "PNG"}).exit_code ==
        0);
  CHECK(test::tree(dir / "a") == test::tree(dir / "b"));
}

TEST_CASE("cli tile: bad input is refused with a clear message and nothing written") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  test::write_text(dir / "notes.txt", "not a raster\n");
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{dir / "missing.tif"}, 1, "cannot open '" + dir / "missing.tif" + "': no such file"},
      {{dir / "notes.txt"}, 1, "not a raster GDAL can read"},
      {{scene, "--size", "32", "--overlap", "32"}, 2, "overlap 32: must be at least 0 and less than the tile size 32"},
      {{scene, "--size", "8"}, 2, "tile.size"},
      {{scene, "--size", "100000"}, 2, "tile.size"},
      {{scene, "--size", "65536"}, 2, "one tile holds 24576 MiB of pixels, more than --max-memory (256 MiB)"},
      {{scene, "--format", "PNJ"},
       2,
       "tile: flag --format: unknown format 'PNJ': expected one of GTiff, COG, PNG, JPEG, WEBP (hint: did you mean 'PNG'?)"},
      {{scene, "--shard", "3/3"}, 2, "bad shard '3/3'"},
      {{scene, "--bands", "0"}, 2, "bands are numbered from 1"},
      // Creation options the driver refuses, or ignores, are tried on a small tile first: every tile failed (or
      // quietly took the default) before.
      {{scene, "--co", "ZLEVEL=99"},
       2,
       "creation option ZLEVEL=99 for GTiff tiles: ZLEVEL=99 value not recognised, ignoring."},
      {{scene, "--co", "COMPRESS=DEFLATE", "--co", "PREDICTOR=3"},
       2,
       "creation options COMPRESS=DEFLATE PREDICTOR=3 for GTiff tiles: PREDICTOR=3 is only supported with Float32 or Float64"},
      {{scene, "--format", "JPEG", "--co", "QUALITY=500"},
       2,
       "creation option QUALITY=500 for JPEG tiles: QUALITY=500 is not"},
      {{scene, "--grid", "xyz", "--co", "ZLEVEL=0"},
       2,
       "creation option ZLEVEL=0 for PNG tiles: Illegal ZLEVEL value '0'"},
      {{scene, "--co", "TFW=YES"}, 2, "creation option 'TFW=YES': swath writes one file per tile, no sidecar"},
      {{scene, "--co", "COMPRESS=LZW", "--co", "COMPRESS=DEFLATE"},
       2,
       "creation options 'COMPRESS=DEFLATE' and 'COMPRESS=LZW': one key, two values"},  // GDAL took the first
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"tile"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"-o", dir / "out"});
    const auto r = test::swath(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == c.code);
    CHECK(r.err.rfind("swath tile: ", 0) == 0);
    CHECK(contains(r.err, c.message));
    CHECK_FALSE(fs::exists(dir / "out"));
  }
}

TEST_CASE("cli tile: a scene without georeferencing is tiled with a warning and no bounds") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "plain.tif", {.georeferenced = false});
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "32"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "has no georeferencing: tiles follow the pixel grid and the manifest has no bounds"));
  CHECK(test::manifest_lines(dir / "out")[1].find("bounds") == nullptr);
}

TEST_CASE("cli tile: corrupt blocks in the middle: those tiles fail, the rest finish, exit 3") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 128, .height = 96, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 40 + x + y) % 256; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  test::corrupt_block(scene, 1, 1);
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "64", "--overlap", "32", "--json"});
  CHECK(r.exit_code == 3);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("failed").as_int() == 4);  // every 64-px window (stride 32) that covers block (1, 1)
  CHECK(summary.at("written").as_int() == 2);
  std::size_t failed_lines = 0;
  for (const auto& line : test::manifest_lines(dir / "out")) {
    if (line.find("status") && line.at("status").as_string() == "failed") {
      ++failed_lines;
      CHECK(contains(line.at("error").as_string(), "cannot read window"));
      CHECK_FALSE(fs::exists(dir / ("out/" + line.at("id").as_string() + ".tif")));
    }
  }
  CHECK(failed_lines == 4);
  std::size_t failure_logs = 0;  // each carries its scene and tile in the log context
  for (const auto& line : test::lines(r.err)) {
    if (!contains(line, "tile failed")) continue;
    ++failure_logs;
    const auto json = core::Json::parse(line);
    CHECK(json.at("scene").as_string() == "scene");
    CHECK(json.at("tile").as_string().rfind("r00000", 0) == 0);
  }
  CHECK(failure_logs == 4);
}

TEST_CASE(
    "cli tile: a corrupt block in a 16-bit scene tiled to PNG fails its tiles only (--scale auto reads around it)") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 128, .height = 96, .bands = 1, .type = GDT_UInt16};
  spec.pixel = [](int, int x, int y) { return 100 + (x * 7 + y * 3) % 900; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  test::corrupt_block(scene, 2, 1);  // one of the blocks GDAL's approximate statistics sample (every 3rd of 12)
  // Was exit 1 and nothing written: GDAL's histogram for the range failed on the block.
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "32", "-f", "PNG", "--json"});
  CHECK(r.exit_code == 3);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("failed").as_int() == 1);
  CHECK(summary.at("written").as_int() == 11);
  CHECK(contains(summary.at("warnings").dump(), "band 1's range is read past the 1 block(s) that fail to read"));
  const auto header = test::manifest_lines(dir / "out").at(0);
  const auto& range = header.at("scenes").as_array().at(0).at("scale_ranges").as_array().at(0).as_array();
  CHECK(range.at(0).as_double() < 150);  // the 2nd to 98th percentile of 100..999
  CHECK(range.at(1).as_double() > 950);
}

TEST_CASE("cli tile: a 16-bit scene all of whose blocks are damaged fails its tiles, not its healthy neighbour's run") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 64, .height = 64, .bands = 1, .type = GDT_UInt16};
  spec.pixel = [](int, int x, int y) { return 100 + (x * 7 + y * 3) % 900; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto healthy = test::make_scene(dir / "healthy.tif", spec);
  const auto damaged = test::make_scene(dir / "damaged.tif", spec);
  for (int by = 0; by < 2; ++by)
    for (int bx = 0; bx < 2; ++bx) test::corrupt_block(damaged, bx, by);
  // Was exit 1 with nothing written: no range could be read for the damaged one.
  const auto r = test::swath({"tile", healthy, damaged, "-o", dir / "out", "--size", "32", "-f", "PNG", "--json"});
  CHECK(r.exit_code == 3);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("written").as_int() == 4);
  CHECK(summary.at("failed").as_int() == 4);
  CHECK(contains(summary.at("warnings").dump(),
                 "has no valid pixel in the sample of the blocks that read: range [0, 0]"));
}

TEST_CASE("cli tile: a scene none of whose tiles can be read is a failure (exit 1), not a partial success") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 64, .height = 64, .bands = 1, .type = GDT_Byte};
  spec.pixel = [](int, int x, int y) { return (x * 3 + y) % 256; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  for (int by = 0; by < 2; ++by)
    for (int bx = 0; bx < 2; ++bx) test::corrupt_block(scene, bx, by);
  for (const std::string grid : {"chips", "xyz"}) {
    CAPTURE(grid);
    const auto out = dir / ("out-" + grid);
    std::vector<std::string> args{"tile", scene, "-o", out, "--size", "32", "--json"};
    if (grid == "xyz") args = {"tile", scene, "-o", out, "--grid", "xyz", "--zoom", "3", "--json"};
    const auto r = test::swath(args);
    CHECK(r.exit_code == 1);
    // No summary that a pipeline could take for a result: the error, as a document.
    const auto error = core::Json::parse(r.out);
    CHECK(error.at("schema").as_string() == "swath.error/1");
    CHECK_FALSE(error.at("hint").as_string().empty());  // the first failure's hint, apart from why
    CHECK_FALSE(contains(error.at("why").as_string(), "(hint: "));
    CHECK(contains(r.err, "no tile could be made ("));
    CHECK(contains(r.err, "' lists why each failed): the first: "));
    CHECK(contains(r.err, "IReadBlock failed"));  // the first failure's reason, with its own hint
    CHECK(contains(r.err, "(hint: "));
    std::size_t failed_lines = 0;  // the manifest is still written: it says why each tile failed, for --resume
    for (const auto& line : test::manifest_lines(out))
      if (line.find("status") && line.at("status").as_string() == "failed") ++failed_lines;
    CHECK(failed_lines > 0);
  }
}

TEST_CASE("cli tile: an output path that is a file, or read-only, is an I/O error before any tile") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  test::write_text(dir / "taken", "a file");
  auto r = test::swath({"tile", scene, "-o", dir / "taken"});
  CHECK(r.exit_code == 1);
  CHECK(
      contains(r.err, "cannot create directory '" + dir / "taken" + "': Not a directory (hint: a file has that name"));

  test::TinyFileSystem read_only(dir / "ro", "ro");
  if (!read_only.mounted()) fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  r = test::swath({"tile", scene, "-o", dir / "ro/out"});
  CHECK(r.exit_code == 1);
  CHECK((contains(r.err, "Read-only file system") || contains(r.err, "Permission denied")));
  CHECK(fs::is_empty(dir / "ro"));
}

TEST_CASE("cli tile: a full disk stops the run with exit 1 and leaves only complete tiles") {
  test::ScratchDir dir;
  const auto scene = many_tiles_scene(dir);
  test::TinyFileSystem full(dir / "full", "size=256k");
  if (!full.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  const auto r = test::swath({"tile", scene, "-o", dir / "full/out", "--size", "64"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "No space left on device"));
  CHECK_FALSE(fs::exists(dir / "full/out/tiles.jsonl"));
  REQUIRE(test::swath({"tile", scene, "-o", dir / "reference", "--size", "64"}).exit_code == 0);
  CHECK_FALSE(only_complete_tiles(dir / "full/out", dir / "reference").empty());
}

TEST_CASE("cli tile, detect, enqueue: a scene that is a FIFO is refused at once (its open blocked until Ctrl-C)") {
  test::ScratchDir dir;
  REQUIRE(::mkfifo((dir / "scene.tif").c_str(), 0644) == 0);
  test::RedisServer redis;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tile", dir / "scene.tif", "-o", dir / "out"},
        std::vector<std::string>{"detect", dir / "scene.tif", "-o", dir / "d.gpkg"},
        std::vector<std::string>{"enqueue", "--redis", redis.url(), "--queue", "q", "--kind", "detect",
                                 dir / "scene.tif", "--output", dir / "fleet"}}) {
    CAPTURE(args.front());
    const auto r = test::swath(args, {.timeout = std::chrono::seconds(20)});
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code != 130);
    CHECK_MESSAGE(contains(r.err, "cannot open '" + dir / "scene.tif" + "': a FIFO, not a raster file"), r.err);
  }
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  // Enqueue opens one scene per directory, but looks at every one: a FIFO beside a real scene was queued.
  test::SceneSpec spec;
  const auto real = test::make_scene(dir / "real.tif", spec);
  auto r = test::swath({"enqueue", "--redis", redis.url(), "--queue", "q", "--kind", "detect", real, dir / "scene.tif",
                        "--output", dir / "fleet"},
                       {.timeout = std::chrono::seconds(20)});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "a FIFO, not a raster file"), r.err);
  CHECK(redis.cli({"LLEN", "swath:{q}:ready"}) == "0");
  // A manifest's tile made a FIFO: not examined (exit 3), said so; hashing it blocked (a device: read for ever).
  REQUIRE(test::swath({"tile", real, "-o", dir / "tiles", "--size", "32"}).exit_code == 0);
  const auto tile = dir / "tiles/real/r000000_c000001.tif";
  fs::remove(tile);
  REQUIRE(::mkfifo(tile.c_str(), 0644) == 0);
  r = test::swath({"detect", dir / "tiles/tiles.jsonl", "-o", dir / "d.gpkg"}, {.timeout = std::chrono::seconds(20)});
  CHECK(r.exit_code == 3);
  const auto said = r.out + r.err;
  CHECK_MESSAGE(contains(said, "real/r000000_c000001: not examined: cannot open"), said);
  CHECK(contains(said, "a FIFO, not a raster file"));
}

TEST_CASE(
    "cli tile: WEBP inside GTiff tiles: pixel-interleaved as it must be; a warning GDAL gives of itself is no refusal") {
  test::ScratchDir dir;
  const std::string landsat = std::string(SWATH_SHARED_DATA_DIR) + "/RGBA.byte.tif";
  // Every tile failed ("TIFF WEBP requires data to be stored contiguously"): swath wrote GTiff band-interleaved.
  auto r = test::swath({"tile", landsat, "-o", dir / "webp", "--size", "256", "--co", "COMPRESS=WEBP", "--json"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("failed").as_int() == 0);
  // GDAL 3.6 warns "WEBP_LEVEL is specified, but WEBP_LOSSLESS=YES" though no WEBP_LEVEL was given: was refused.
  for (const std::string lossless : {"WEBP_LOSSLESS=TRUE", "WEBP_LOSSLESS=YES"}) {  // its message says "=YES"
    r = test::swath(
        {"tile", landsat, "-o", dir / lossless, "--size", "256", "--co", "COMPRESS=WEBP", "--co", lossless, "--json"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    const auto written = core::Json::parse(r.out).at("written").as_int();
    CHECK(written >= 5);
    // Every tile raises that warning again: logged once (and at the 10th hearing), not once per tile.
    std::size_t said = 0;
    for (auto at = r.err.find("WEBP_LEVEL is specified"); at != std::string::npos;
         at = r.err.find("WEBP_LEVEL is specified", at + 1))
      ++said;
    CHECK(said >= 1);
    CHECK(said <= 2);
  }
  // A web map's options are checked as chips' are: an unknown key is refused, not ignored on every tile.
  r = test::swath({"tile", landsat, "-o", dir / "map", "--grid", "xyz", "--format", "JPEG", "--co", "QUALTY=90"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("QUALTY") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "map"));
}

TEST_CASE("cli tile: the real Landsat crop to PNG: RGBA tiles are exact copies, the collar is skipped as blank") {
  test::ScratchDir dir;
  const std::string landsat = std::string(SWATH_SHARED_DATA_DIR) + "/RGBA.byte.tif";
  const auto r = test::swath({"tile", landsat, "-o", dir / "out", "--size", "256", "--format", "PNG", "--json"});
  REQUIRE(r.exit_code == 0);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("planned").as_int() == 12);  // 791×718 in 256-px tiles: 4 × 3
  CHECK(summary.at("skipped_blank").as_int() >= 1);
  GDALDatasetUniquePtr source(GDALDataset::Open(landsat.c_str(), GDAL_OF_RASTER));
  for (const auto& line : test::manifest_lines(dir / "out")) {
    if (!line.find("status") || line.at("status").as_string() != "written") continue;
    GDALDatasetUniquePtr tile(
        GDALDataset::Open((dir / ("out/" + line.at("path").as_string())).c_str(), GDAL_OF_RASTER));
    REQUIRE(tile);
    REQUIRE(tile->GetRasterCount() == 4);
    const auto& w = line.at("source_window");
    const int x0 = static_cast<int>(w.at("x").as_int()), y0 = static_cast<int>(w.at("y").as_int());
    const int width = static_cast<int>(w.at("width").as_int()), height = static_cast<int>(w.at("height").as_int());
    for (int b = 1; b <= 4; ++b) {
      std::vector<std::uint8_t> expected(static_cast<std::size_t>(width * height)), got(expected.size());
      REQUIRE(source->GetRasterBand(b)->RasterIO(GF_Read, x0, y0, width, height, expected.data(), width, height,
                                                 GDT_Byte, 0, 0) == CE_None);
      REQUIRE(tile->GetRasterBand(b)->RasterIO(GF_Read, 0, 0, width, height, got.data(), width, height, GDT_Byte, 0,
                                               0) == CE_None);
      CHECK(got == expected);
    }
  }
}

TEST_CASE("cli tile: a scene that is all nodata has nothing to tile, in any format") {
  test::ScratchDir dir;
  // PNG stretches with --scale auto, which found no valid pixel and failed the whole run (exit 1). Its three colour
  // bands: its 4th is no alpha band, which PNG would take as one (refused).
  for (const std::string format : {"GTiff", "PNG"}) {
    CAPTURE(format);
    const auto r = test::swath({"tile", std::string(SWATH_SHARED_DATA_DIR) + "/all-nodata.tif", "-o", dir / format,
                                "--size", "512", "--format", format, "--bands", "1,2,3", "--json"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const auto summary = core::Json::parse(r.out);
    CHECK(summary.at("written").as_int() == 0);
    CHECK(summary.at("skipped_blank").as_int() == summary.at("planned").as_int());
    CHECK(fs::is_empty(dir / (format + "/all-nodata")));
  }
}

TEST_CASE("cli tile: on a terminal, progress is a bar with tiles done, MPix/s and ETA") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  // `script` runs the command with a pseudo-terminal as stdout and stderr.
  const std::string command = std::string(SWATH_BINARY) + " tile " + scene + " -o " + dir / "out" + " --size 32";
  const auto r = test::run({"script", "-qec", command, "/dev/null"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "] 4/4 tiles"));
  CHECK(contains(r.out, "MPix/s  ETA"));
}

TEST_CASE("cli tile: tile settings come from config layers: env below flags") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});  // 64×48
  auto r = test::swath({"tile", scene, "-o", dir / "env", "--json"}, {.env = {{"SWATH_TILE__SIZE", "32"}}});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("planned").as_int() == 4);
  r = test::swath({"tile", scene, "-o", dir / "flag", "--size", "16", "--json"}, {.env = {{"SWATH_TILE__SIZE", "32"}}});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("planned").as_int() == 12);
}

TEST_CASE("cli tile: a scene named like one of the run's files is refused before any tile") {
  test::ScratchDir dir;
  for (const std::string name : {"tiles.jsonl.tif", "tiles.geojson.tif", ".tiles.jsonl.journal.tif"}) {
    CAPTURE(name);
    const auto scene = test::make_scene(dir / name, {});
    const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "32"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("scene '" + scene + "': its tiles would go into a directory named '" +
                     name.substr(0, name.size() - 4) + "', a file this run writes") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out"));
  }
}

TEST_CASE("tile --scale with GTiff (which keeps the scene's values) is refused; a config file's is not") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});  // UInt16
  auto r = test::swath({"tile", scene, "-o", dir / "out", "--scale", "0,4000"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--scale 0,4000: GTiff tiles keep the scene's values") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out"));
  // A config file serving PNG runs too: its scale is not refused.
  test::write_text(dir / "png.yaml", "tile:\n  scale: 0,4000\n");
  r = test::swath({"--config", dir / "png.yaml", "tile", scene, "-o", dir / "out", "--size", "32"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("tile: a chip across the antimeridian has a footprint of two boxes, one each side, in tiles.geojson") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "pacific.tif", {.width = 128, .height = 64, .bands = 1, .type = GDT_Byte});
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset);
    double gt[6] = {833000, 10, 0, 100000, 0, -10};  // UTM 60N, about 179.99°E to 180.00°W at 0.9°N
    REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
    OGRSpatialReference srs;
    srs.importFromEPSG(32660);
    REQUIRE(dataset->SetSpatialRef(&srs) == CE_None);
  }
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "128"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto index = core::Json::parse(core::read_file(dir / "out/tiles.geojson"));
  const auto& geometry = index.at("features").as_array().at(0).at("geometry");
  REQUIRE(geometry.at("type").as_string() == "MultiPolygon");
  for (const auto& polygon : geometry.at("coordinates").as_array()) {
    double west = 180, east = -180;
    for (const auto& p : polygon.as_array().at(0).as_array()) {
      west = std::min(west, p.as_array().at(0).as_double());
      east = std::max(east, p.as_array().at(0).as_double());
    }
    CHECK(east - west < 1);  // each box a sliver of a degree, not the globe
  }
}

TEST_CASE("tile: a signed 8-bit scene (PIXELTYPE=SIGNEDBYTE, read by GDAL 3.6 as 0-255) is refused, not wrapped") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "i8.tif", {.width = 64,
                                                       .height = 64,
                                                       .bands = 1,
                                                       .type = GDT_Byte,
                                                       .pixel = [](int, int x, int) { return x % 2 ? 209 : 37; },
                                                       .creation_options = {"PIXELTYPE=SIGNEDBYTE"}});
  const auto r = test::swath({"tile", scene, "-o", dir / "out"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("its bands are signed 8-bit (PIXELTYPE=SIGNEDBYTE)") != std::string::npos);
  CHECK(r.err.find("gdal_calc.py -A") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "out/tiles.jsonl"));
}

TEST_CASE("tile --scale auto: nothing is written beside the scene, and a sidecar there does not change the tiles") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "u16.tif", {.width = 300, .height = 200, .bands = 1, .type = GDT_UInt16, .pixel = [](int, int x, int y) {
                          return 100.0 + x * 7 + y;
                        }});
  auto r = test::swath({"tile", scene, "-o", dir / "a", "-f", "PNG", "--size", "128"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_FALSE(fs::exists(scene + ".aux.xml"));  // GDAL's PAM cache of the histogram went there
  // A stale or edited sidecar (GDAL reads it) is not the scene: the same tiles.
  test::write_text(scene + ".aux.xml",
                   "<PAMDataset><PAMRasterBand band=\"1\"><Histograms><HistItem><HistMin>0</HistMin>"
                   "<HistMax>65535</HistMax><BucketCount>2</BucketCount><IncludeOutOfRange>1</IncludeOutOfRange>"
                   "<Approximate>1</Approximate><HistCounts>1|1</HistCounts></HistItem></Histograms>"
                   "</PAMRasterBand></PAMDataset>");
  r = test::swath({"tile", scene, "-o", dir / "b", "-f", "PNG", "--size", "128"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::read_file(dir / "a/u16/r000000_c000000.png") == core::read_file(dir / "b/u16/r000000_c000000.png"));
}
