// End to end: an output that is also an input (by another spelling, or through a link) is refused before any work
// (exit 2, naming both), and the input is left as it was: eval, detect, config show, and the config file of any.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <filesystem>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs swath in `dir`, expects exit 2 with "it is also an input" and `input` unchanged.
void refused(const test::ScratchDir& dir, const std::vector<std::string>& args, const std::string& input) {
  CAPTURE(args);
  const std::string before = core::read_file(dir / input);
  const auto r = test::swath(args, {.working_dir = dir.path()});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "also"));
  CHECK(core::read_file(dir / input) == before);
}
}  // namespace

TEST_CASE("an output that is also an input is refused before any work, the input left intact") {
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "s.tif", "--kind", "optical", "--size", "256x256"}).exit_code == 0);
  REQUIRE(test::swath({"detect", dir / "s.tif", "--detector", "cfar", "-o", dir / "d.gpkg"}).exit_code == 0);
  fs::create_symlink("d.gpkg", dir / "link.gpkg");

  refused(dir, {"eval", "d.gpkg", "s.truth.geojson", "-o", "d.gpkg"}, "d.gpkg");
  refused(dir, {"eval", "d.gpkg", "s.truth.geojson", "-o", "./s.truth.geojson"}, "s.truth.geojson");
  refused(dir, {"eval", "link.gpkg", "s.truth.geojson", "-o", "d.gpkg"}, "d.gpkg");  // the file the link reads
  refused(dir, {"eval", "d.gpkg", "s.truth.geojson", "-o", "link.gpkg"}, "d.gpkg");  // was: the link replaced
  fs::create_symlink("s.tif", dir / "scene-link.png");
  refused(dir, {"detect", "s.tif", "--detector", "cfar", "-o", "y.gpkg", "--quicklook", "scene-link.png"}, "s.tif");
  refused(dir, {"detect", "s.tif", "--detector", "cfar", "-o", "x.gpkg", "--quicklook", "s.tif"}, "s.tif");
  core::write_file_atomic(dir / "my.yaml", "log:\n  level: info\n");
  refused(dir, {"--config", "my.yaml", "config", "show", "-o", "my.yaml"}, "my.yaml");
  fs::create_symlink("my.yaml", dir / "config-link.yaml");
  refused(dir, {"--config", "my.yaml", "config", "show", "-o", "config-link.yaml"}, "my.yaml");
  // The config file is every command's input. Was: replaced by the output, exit 0.
  core::write_file_atomic(dir / "cfg.tif", "log:\n  level: info\n");
  refused(dir, {"--config", "cfg.tif", "synth", "-o", "cfg.tif"}, "cfg.tif");
  refused(dir, {"--config", "cfg.tif", "detect", "s.tif", "--detector", "cfar", "-o", "cfg.tif"}, "cfg.tif");
  core::write_file_atomic(dir / "trace.csv", "time,tasks\n0,4\n");
  core::write_file_atomic(dir / "cfg.svg", "log:\n  level: info\n");
  refused(dir, {"--config", "cfg.svg", "scale-plan", "--simulate", "trace.csv", "--plot", "cfg.svg"}, "cfg.svg");
}

TEST_CASE("an output beside its input is not the input; a link to it is") {
  test::ScratchDir dir;
  core::write_file_atomic(dir / "in.txt", "x");
  fs::create_symlink("in.txt", dir / "link.txt");
  CHECK(core::writes_over(dir / "in.txt", dir / "in.txt"));
  CHECK(core::writes_over(dir / "sub/../in.txt", dir / "in.txt"));
  CHECK(core::writes_over(dir / "in.txt", dir / "link.txt"));  // replacing the file the link reads
  // The rename would replace the link only, but whoever names a link to an input as the output means the input.
  CHECK(core::writes_over(dir / "link.txt", dir / "in.txt"));
  CHECK_FALSE(core::writes_over(dir / "out.txt", dir / "in.txt"));
  CHECK_FALSE(core::writes_over("-", dir / "in.txt"));
  CHECK_FALSE(core::writes_over("", dir / "in.txt"));
}

TEST_CASE("tile: a scene lying where the run writes tiles, or among the tiles --overwrite removes, is refused") {
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "scene.tif", "--size", "600x600"}).exit_code == 0);
  // A chip tiled again into its own folder: its first tile has its name (was: the scene replaced by it, exit 0).
  fs::create_directories(dir / "o/r000000_c000000");
  fs::copy_file(dir / "scene.tif", dir / "o/r000000_c000000/r000000_c000000.tif");
  const auto chip = core::read_file(dir / "o/r000000_c000000/r000000_c000000.tif");
  auto r = test::swath({"tile", dir / "o/r000000_c000000/r000000_c000000.tif", "-o", dir / "o"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "it lies in '" + dir / "o/r000000_c000000" + "', where this run writes its tiles"),
                r.err);
  CHECK(core::read_file(dir / "o/r000000_c000000/r000000_c000000.tif") == chip);
  // Re-chipping a chip into the same folder with --overwrite (was: every tile of the first run removed, the input too).
  REQUIRE(test::swath({"tile", dir / "scene.tif", "-o", dir / "io"}).exit_code == 0);
  const std::string input = dir / "io/scene/r000000_c000000.tif";
  const auto tile = core::read_file(input);
  r = test::swath({"tile", input, "-o", dir / "io", "--overwrite", "--size", "256"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "--overwrite removes the other runs' tiles below -o"), r.err);
  CHECK(core::read_file(input) == tile);
  // A pyramid's z/x/y file likewise; a chip tiled elsewhere, a scene beside the tiles, or in a folder of the output
  // under a name no tile has, is fine.
  fs::create_directories(dir / "map/3/4");
  fs::copy_file(dir / "scene.tif", dir / "map/3/4/5.png");  // GDAL reads it by its bytes
  r = test::swath({"tile", dir / "map/3/4/5.png", "-o", dir / "map", "--grid", "xyz", "--zoom", "0-3"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "it is named and placed as a tile of the pyramid"), r.err);
  fs::create_directories(dir / "map/2023");
  test::SceneSpec bytes;
  bytes.type = GDT_Byte;
  test::make_scene(dir / "map/2023/s.tif", bytes);
  r = test::swath({"tile", dir / "map/2023/s.tif", "-o", dir / "map", "--grid", "xyz", "--zoom", "0-3"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(test::swath({"tile", input, "-o", dir / "elsewhere", "--size", "256"}).exit_code == 0);
  fs::copy_file(dir / "scene.tif", dir / "io/beside.tif");
  CHECK(test::swath({"tile", dir / "scene.tif", dir / "io/beside.tif", "-o", dir / "io"}).exit_code == 0);
  fs::create_directories(dir / "mine/a");
  fs::copy_file(dir / "scene.tif", dir / "mine/a/a.tif");
  CHECK(test::swath({"tile", dir / "mine/a/a.tif", "-o", dir / "mine", "--overwrite"}).exit_code == 0);
}
