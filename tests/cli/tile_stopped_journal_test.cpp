// End to end: `swath tile` re-runs stopped over a run stopped before: the journal keeps the only list of its tiles.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>

#include "cli/tile_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::tiles;
namespace fs = std::filesystem;

TEST_CASE(
    "cli tile: a stopped re-run keeps the records it replaced, so --overwrite still removes a dropped scene's tiles") {
  test::ScratchDir dir;
  const auto scene = many_tiles_scene(dir, 2048, 2048);
  const auto both = two_scenes_tiled(dir, scene);
  CHECK(interrupt_after(both, dir / "out", 20, SIGINT).exit_code == 130);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  // Stopped again (no --resume), once it has written tiles of its own: that journal, the only list of the first
  // run's tiles, is kept, not emptied.
  CHECK(interrupt_once_writing(both, dir / "out").exit_code == 130);
  std::size_t second_listed = 0;
  for (const auto& line : test::lines(core::read_file(dir / "out/.tiles.jsonl.journal")))
    second_listed += line.find("\"scene\":\"second\"") != std::string::npos ? 1 : 0;
  CHECK(second_listed >= 16384);  // every tile of 'second' the first run listed (2048² in 16-px tiles)
  // Was: the stopped run had dropped the first run's records, so its 'second' tiles were listed nowhere and stayed.
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "16", "--overwrite"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_FALSE(fs::exists(dir / "out/second"));
}

TEST_CASE(
    "cli tile: a stopped --overwrite sets aside the journal a stopped re-run left; resumed, it removes all its tiles") {
  test::ScratchDir dir;
  const auto scene = many_tiles_scene(dir, 2048, 2048);
  const auto both = two_scenes_tiled(dir, scene);
  CHECK(interrupt_after(both, dir / "out", 20, SIGINT).exit_code == 130);  // the manifest's records now in its journal
  // Other options over it, stopped once it has written tiles of its own.
  const std::vector<std::string> other{scene, "-o", dir / "out", "--size", "17", "--overwrite", "--threads", "2"};
  CHECK(interrupt_once_writing(other, dir / "out").exit_code == 130);
  // Was: that run emptied the journal, the only list of the 16-px tiles; resumed, it removed none of them.
  std::vector<std::string> resume{"tile"};
  resume.insert(resume.end(), other.begin(), other.end());
  resume.push_back("--resume");
  const auto r = test::swath(resume);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "reference", "--size", "17"}).exit_code == 0);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));
}
