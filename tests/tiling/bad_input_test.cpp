// tile_scenes refuses bad options and scenes before any tile, with messages that say what to change.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/errors.hpp"
#include "pipeline/progress.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("tile: bad options and bad scenes are refused before any tile") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  auto options = test::tile_options(scene, dir / "out", 32, 32);
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("overlap 32"), core::UsageError);
  options = test::tile_options(dir / "missing.tif", dir / "out");
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("no such file"), core::IoError);
  options = test::tile_options(scene, dir / "out");
  options.bands = {4};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("the scene has 3 band(s)"), core::UsageError);
  options.bands = {};
  options.format = tiling::Format::jpeg;
  test::SceneSpec four;
  four.bands = 4;
  options.scenes = {test::make_scene(dir / "four.tif", four)};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("1 or 3 bands"), core::UsageError);
  options = test::tile_options(scene, dir / "out");
  options.creation_options = {"COMPRES=DEFLATE"};
  CHECK_THROWS_AS(tiling::tile_scenes(options), core::UsageError);
  fs::copy_file(scene, dir / ".hidden.tif");  // its tiles would go into .hidden/, which ls and */*.tif miss
  options = test::tile_options(dir / ".hidden.tif", dir / "out");
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("the hidden directory '.hidden'"),
                       core::UsageError);
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("tile: PNG and WebP chips never write a data band as their alpha; the scene's alpha band may be") {
  test::ScratchDir dir;
  test::SceneSpec four;  // R, G, B, NIR: no alpha
  four.bands = 4;
  four.type = GDT_Byte;
  four.pixel = [](int b, int x, int y) { return (b * 50 + x + y) % 256; };
  four.creation_options = {"PHOTOMETRIC=MINISBLACK"};  // GDAL would take a 4th Byte band as alpha by default
  const auto scene = test::make_scene(dir / "rgbn.tif", four);
  auto options = test::tile_options(scene, dir / "out");
  for (const auto format : {tiling::Format::png, tiling::Format::webp}) {
    options.format = format;
    CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("band 4 of the scene is not its alpha band"),
                         core::UsageError);
  }
  options.format = tiling::Format::png;
  options.bands = {1, 2};  // grey + alpha: band 2 would be the transparency
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("band 2 of the scene is not its alpha band"),
                       core::UsageError);
  CHECK_FALSE(fs::exists(dir / "out"));
  options.bands = {1, 2, 3};
  options.output_dir = dir / "rgb-out";
  CHECK(tiling::tile_scenes(options).failed == 0);
  four.alpha_band = 4;  // RGBA: its alpha is PNG's
  options = test::tile_options(test::make_scene(dir / "rgba.tif", four), dir / "rgba-out");
  options.format = tiling::Format::png;
  CHECK(tiling::tile_scenes(options).failed == 0);
}

TEST_CASE("tile: a tile whose pixels do not fit --max-memory is refused, not allocated") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});   // 64×48, 3 UInt16 bands
  auto options = test::tile_options(scene, dir / "out", 4096);  // padded: 4096² × 3 × 2 bytes = 96 MiB per tile
  options.resources.max_memory = 16u << 20;
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("more than --max-memory (16 MiB)"),
                       core::UsageError);
  CHECK_FALSE(fs::exists(dir / "out"));
  options.grid.edge = tiling::Edge::shrink;  // the one tile is the 64×48 scene itself
  CHECK(tiling::tile_scenes(options).written == 1);
}

TEST_CASE("tile: a negative grid index in the selection is refused, not counted as planned") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});
  auto options = test::tile_options(scene, dir / "out", 32);
  options.only_indices = {2, -1};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("tile index -1"), core::UsageError);
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("tile: the progress sink hears 'finished' even when the output fails mid-run") {
  // A terminal's progress bar ends its line there; without it the error prints on the bar's line.
  class Recorder final : public pipeline::ProgressSink {
   public:
    explicit Recorder(std::string scene_dir) : scene_dir_(std::move(scene_dir)) {}
    void started(const pipeline::Progress&) override {}
    void advanced(const pipeline::Progress&) override {
      if (++advanced_ != 1) return;
      fs::rename(scene_dir_,
                 scene_dir_ + ".moved");  // the scene's directory becomes a file: later tiles cannot be written
      test::write_text(scene_dir_, "not a directory");
    }
    void finished(const pipeline::Progress&) override { ++finished_calls; }
    int finished_calls = 0;

   private:
    std::string scene_dir_;
    int advanced_ = 0;
  };
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});  // 64×48: 12 tiles of 16 px
  auto options = test::tile_options(scene, dir / "out", 16);
  options.resources.threads = 1;
  Recorder recorder(dir / "out/scene");
  CHECK_THROWS_AS(tiling::tile_scenes(options, &recorder), core::IoError);
  CHECK(recorder.finished_calls == 1);
}

TEST_CASE("tile: --scale takes finite numbers only (1e400 was infinity, written as null in the manifest)") {
  for (const char* bad : {"0,1e400", "0,inf", "nan,1", "-inf,0", "4000,0", "0", "0,x"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(tiling::parse_scale(bad, "--scale"), doctest::Contains("bad scale"), core::UsageError);
  }
  const auto scale = tiling::parse_scale("0, 4e3", "--scale");
  CHECK(scale.max == 4000);
}
