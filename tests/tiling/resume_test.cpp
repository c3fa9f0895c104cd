// --resume: what a previous run left is kept only when it is provably this run's tile.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "pipeline/progress.hpp"
#include "raster/fingerprint.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/options.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("tile: --resume keeps intact tiles and redoes missing or damaged ones") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 96;
  spec.height = 64;
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);
  const auto complete = test::tree(dir / "out");
  fs::remove(dir / "out/scene/r000000_c000001.tif");
  test::write_text(dir / "out/scene/r000001_c000002.tif", "damaged");
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 4);
  CHECK(report.written == 2);
  CHECK(test::tree(dir / "out") == complete);

  options.creation_options = {"COMPRESS=LZW"};                      // other options: nothing may be kept
  CHECK_THROWS_AS(tiling::tile_scenes(options), core::UsageError);  // another run's tile set, unless replaced
  options.overwrite = true;
  const auto redone = tiling::tile_scenes(options);
  CHECK(redone.reused == 0);
  CHECK(redone.written == 6);
  CHECK_FALSE(redone.warnings.empty());
}

TEST_CASE("tile: --resume redoes every tile of a scene replaced by another of the same name") {
  test::ScratchDir dir;
  test::SceneSpec small;
  small.width = 64;
  small.height = 64;
  const auto scene = test::make_scene(dir / "scene.tif", small);
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);

  test::SceneSpec large = small;  // same file name, other pixels and size: nothing of the first run applies
  large.width = 96;
  large.pixel = [](int b, int x, int y) { return b * 1000 + x * 7 + y; };
  test::make_scene(scene, large);
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 0);
  CHECK(report.written == 6);
  CHECK_FALSE(report.warnings.empty());
  options.resume = false;
  options.output_dir = dir / "reference";
  tiling::tile_scenes(options);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));
}

TEST_CASE("tile: --resume checks the file at the tile's own path, not the path a record names") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);
  const auto complete = test::tree(dir / "out");
  // A hand-edited (or foreign) manifest: tile r000000_c000000's record names r000000_c000001's intact file.
  auto lines = test::manifest_lines(dir / "out");
  lines[1].set("path", lines[2].at("path").as_string());
  lines[1].set("bytes", lines[2].at("bytes"));
  lines[1].set("sha256", lines[2].at("sha256"));
  std::string text;
  for (const auto& line : lines) text += line.dump() + "\n";
  test::write_text(dir / "out/tiles.jsonl", text);
  fs::remove(dir / "out/scene/r000000_c000000.tif");
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.written == 1);
  CHECK(test::tree(dir / "out") == complete);
}

TEST_CASE("tile: --resume redoes a scene rewritten in place with the same size, bands and type") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 96, .height = 64, .nodata = 0.0};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  auto options = test::tile_options(scene, dir / "out", 32);
  options.skip_blank = 1.0;
  tiling::tile_scenes(options);
  const auto fingerprint =
      test::manifest_lines(dir / "out")[0].at("scenes").as_array().at(0).at("fingerprint").as_string();
  CHECK(fingerprint.rfind("sha256:", 0) == 0);
  REQUIRE(fs::exists(dir / "out/scene/r000000_c000000.tif"));

  // Other pixels, same shape; its top-left tile is now all nodata, so blank.
  spec.pixel = [](int b, int x, int y) { return x < 32 && y < 32 ? 0 : b * 1000 + x * 7 + y; };
  test::make_scene(scene, spec);
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 0);
  CHECK(report.written == 5);
  CHECK(report.blank == 1);
  REQUIRE_FALSE(report.warnings.empty());
  CHECK(report.warnings.back().find("(size, bands, type or content)") != std::string::npos);
  CHECK(test::manifest_lines(dir / "out")[0].at("scenes").as_array().at(0).at("fingerprint").as_string() !=
        fingerprint);
  CHECK_FALSE(fs::exists(dir / "out/scene/r000000_c000000.tif"));  // the first run's tile is not left behind
  options.resume = false;
  options.output_dir = dir / "reference";
  tiling::tile_scenes(options);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));
}

TEST_CASE("tile: --resume keeps every tile when the scene is a byte-identical copy (content, not mtime)") {
  test::ScratchDir dir;
  fs::create_directories(dir / "a");
  const auto scene = test::make_scene(dir / "a/scene.tif", {});
  auto options = test::tile_options(scene, dir / "out", 32);
  tiling::tile_scenes(options);
  // Everything but the header's "source" (the path as given) stays the same.
  auto without_source = [&] {
    auto files = test::tree(dir / "out");
    auto lines = test::manifest_lines(dir / "out");
    auto scenes = lines[0].at("scenes");
    CHECK(scenes.as_array().at(0).find("fingerprint") != nullptr);
    scenes.as_array().at(0).set("source", "");
    lines[0].set("scenes", scenes);
    for (auto& [path, content] : files) {
      if (path != "tiles.jsonl") continue;
      content.clear();
      for (const auto& line : lines) content += line.dump() + "\n";
    }
    return files;
  };
  const auto complete = without_source();
  fs::create_directories(dir / "b");
  fs::copy_file(scene, dir / "b/scene.tif");
  fs::last_write_time(dir / "b/scene.tif", fs::last_write_time(scene) + std::chrono::hours(1));
  options.scenes = {dir / "b/scene.tif"};
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 4);
  CHECK(report.written == 0);
  CHECK(report.warnings.empty());
  CHECK(without_source() == complete);
}

TEST_CASE("tile: a tile that fails on a re-run leaves no file of the earlier run, with or without --resume") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 128, .height = 96, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 40 + x + y) % 256; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  for (const std::string out : {"plain", "resumed"}) {
    tiling::tile_scenes(test::tile_options(scene, dir / out, 64, 32));
    CHECK(test::tree(dir / out).size() == 8);  // 6 tiles, manifest, index
  }
  test::corrupt_block(scene, 1, 1);
  for (const std::string out : {"plain", "resumed"}) {
    CAPTURE(out);
    auto options = test::tile_options(scene, dir / out, 64, 32);
    options.resume = out == "resumed";
    const auto report = tiling::tile_scenes(options);
    CHECK(report.failed == 4);  // every 64-px window (stride 32) that covers block (1, 1)
    CHECK(report.written == 2);
    std::size_t failed = 0;
    for (const auto& line : test::manifest_lines(dir / out)) {
      if (line.find("status") == nullptr) continue;
      const bool written = line.at("status").as_string() == "written";
      failed += written ? 0 : 1;
      CHECK(fs::exists(dir / (out + "/" + line.at("id").as_string() + ".tif")) == written);
    }
    CHECK(failed == 4);
    CHECK(test::tree(dir / out).size() == 4);  // 2 tiles, manifest, index
  }
}

TEST_CASE("tile: --resume redoes a scene whose world file moved it") {
  test::ScratchDir dir;
  tiling::TileReport report;
  // A scene placed by its .tfw, moved by editing it: its tiles carry the new place (were kept at the old one).
  test::make_scene(dir / "w.tif", {.width = 64, .height = 64, .bands = 1, .georeferenced = false});
  test::write_text(dir / "w.tfw", "10\n0\n0\n-10\n500005\n4000005\n");
  auto placed = test::tile_options(dir / "w.tif", dir / "placed", 32);
  tiling::tile_scenes(placed);
  test::write_text(dir / "w.tfw", "10\n0\n0\n-10\n600005\n4000005\n");
  placed.resume = true;
  report = tiling::tile_scenes(placed);
  CHECK(report.reused == 0);
  CHECK(report.written == 4);

  // A fleet task of a swath before sidecars counted carries the file's own fingerprint: still the same scene.
  auto task = test::tile_options(dir / "w.tif", dir / "task", 32);
  task.scene_fingerprints = {*raster::file_fingerprint(dir / "w.tif")};
  CHECK(tiling::tile_scenes(task).written == 4);
  task.scene_fingerprints = {"sha256:0000"};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(task), doctest::Contains("it was rewritten or replaced since"),
                       core::DataError);
}

TEST_CASE(
    "tile: a write that fails stops the run with every tile that landed in the journal, for --resume and "
    "--overwrite") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 256, .height = 256, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 40 + x * 3 + y) % 256; };
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  fs::create_directories(dir / "out/scene/r000000_c000000.tif");  // the first tile's write fails
  auto options = test::tile_options(scene, dir / "out", 32);      // 64 tiles, 2 threads, their writers beside
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("Is a directory"), core::IoError);
  // Tiles in flight when it failed landed: each one is in the journal, none is left to no run.
  std::set<std::string> journaled;
  std::ifstream journal(dir / "out/.tiles.jsonl.journal");
  for (std::string line; std::getline(journal, line);) {
    const auto json = core::Json::parse(line);
    if (const auto* path = json.find("path")) journaled.insert(path->as_string());
  }
  std::set<std::string> on_disk;
  for (const auto& e : fs::directory_iterator(dir / "out/scene"))
    if (e.is_regular_file()) on_disk.insert("scene/" + e.path().filename().string());
  CHECK(on_disk == journaled);
  fs::remove(dir / "out/scene/r000000_c000000.tif");
  // --resume keeps them; --overwrite with another format replaces them all.
  options.resume = true;
  CHECK(tiling::tile_scenes(options).reused == static_cast<std::int64_t>(journaled.size()));
  options.resume = false;
  options.overwrite = true;
  options.format = tiling::Format::png;
  CHECK(tiling::tile_scenes(options).written == 64);
  for (const auto& e : fs::directory_iterator(dir / "out/scene")) CHECK(e.path().extension() == ".png");
}

TEST_CASE("tile: a scene replaced while it is tiled fails the run, its manifest not committed; --resume redoes it") {
  // Replaces the scene by a copy of `with` after the first tile (a fleet task running when the scene was rewritten).
  class Replacer final : public pipeline::ProgressSink {
   public:
    Replacer(std::string scene, std::string with) : scene_(std::move(scene)), with_(std::move(with)) {}
    void started(const pipeline::Progress&) override {}
    void advanced(const pipeline::Progress&) override {
      if (++advanced_ != 1) return;
      fs::copy_file(with_, scene_ + ".new");
      fs::rename(scene_ + ".new", scene_);
    }
    void finished(const pipeline::Progress&) override {}

   private:
    std::string scene_, with_;
    int advanced_ = 0;
  };
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 96, .height = 64, .bands = 3, .type = GDT_Byte};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  spec.pixel = [](int b, int x, int y) { return (b * 30 + x + 2 * y) % 256; };
  const auto other = test::make_scene(dir / "other.tif", spec);  // the same size, other pixels
  auto options = test::tile_options(scene, dir / "out", 32);
  options.resources.threads = 1;
  Replacer replacer(scene, other);
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options, &replacer),
                       doctest::Contains("it was replaced or written while it was being tiled"), core::IoError);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));  // nothing looks complete
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 0);  // the journal's tiles are the old scene's: redone
  CHECK(report.written == 6);
  auto fresh = test::tile_options(scene, dir / "fresh", 32);
  tiling::tile_scenes(fresh);
  for (const auto& e : fs::directory_iterator(dir / "fresh/scene"))
    CHECK(core::read_file(e.path().string()) == core::read_file((dir / "out/scene/" / e.path().filename()).string()));
}

TEST_CASE("tile: --resume keeps the tiles of a run that recorded its creation options in another order") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 64, .height = 64});
  auto options = test::tile_options(scene, dir / "out", 32);
  options.creation_options = {"PREDICTOR=2", "COMPRESS=DEFLATE"};  // as given: what an older swath recorded and hashed
  tiling::tile_scenes(options);
  const auto complete = test::tree(dir / "out");
  options.creation_options = {"COMPRESS=DEFLATE", "PREDICTOR=2"};
  options.resume = true;
  const auto report = tiling::tile_scenes(options);
  CHECK(report.reused == 4);
  CHECK(report.written == 0);
  CHECK(report.warnings.empty());
  options.creation_options = {"compress=DEFLATE", "Predictor=2"};  // GDAL reads keys in any case
  CHECK(tiling::tile_scenes(options).reused == 4);
  options.creation_options = {"COMPRESS=LZW", "PREDICTOR=2"};  // other options are still other options
  options.overwrite = true;
  CHECK(tiling::tile_scenes(options).reused == 0);
}

TEST_CASE("tile: creation options are recorded with their keys upper-cased and sorted, once each") {
  CHECK(tiling::canonical_creation_options({"predictor=2", "COMPRESS=deflate", "Predictor=2"}) ==
        std::vector<std::string>{"COMPRESS=deflate", "PREDICTOR=2"});  // values as given: a path keeps its case
}

TEST_CASE("tile: a scene cut short while it is tiled stops the run at the first tile it fails, with one error") {
  // Cuts the scene short after the first tile (written over in place), and counts the tiles that reach the sink.
  class Truncator final : public pipeline::ProgressSink {
   public:
    explicit Truncator(std::string scene) : scene_(std::move(scene)) {}
    void started(const pipeline::Progress&) override {}
    void advanced(const pipeline::Progress& progress) override {
      if (++advanced_ == 1) fs::resize_file(scene_, fs::file_size(scene_) / 8);
      failed_ = progress.failed;
    }
    void finished(const pipeline::Progress&) override {}
    int advanced_ = 0;
    std::int64_t failed_ = 0;

   private:
    std::string scene_;
  };
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256, .bands = 3, .type = GDT_Byte});
  auto options = test::tile_options(scene, dir / "out", 16);  // 256 tiles
  options.resources.threads = 1;
  Truncator truncator(scene);
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options, &truncator),
                       doctest::Contains("it was replaced or written while it was being tiled"), core::IoError);
  CHECK(truncator.advanced_ < 64);  // was: all 256 tiles, ~240 of them "tile failed" warnings, then the error
  CHECK(truncator.failed_ == 0);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
}
