// End to end: scene paths swath tile cannot record are refused before anything is written.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("cli tile: a scene path that is not UTF-8 is refused (exit 2): the manifest, JSON, could not record it") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "s.tif", {.width = 64, .height = 64});
  const std::string latin1 = dir / "caf\xe9.tif";  // "café" in Latin-1
  fs::copy_file(scene, latin1);
  for (const auto& grid : {std::vector<std::string>{}, std::vector<std::string>{"--grid", "xyz"}}) {
    std::vector<std::string> args{"tile", latin1, "-o", dir / "out"};
    args.insert(args.end(), grid.begin(), grid.end());
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("its path is not UTF-8") != std::string::npos, r.err);
    CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  }
  CHECK(test::swath({"tile", scene, "-o", dir / "ok"}).exit_code == 0);
}
