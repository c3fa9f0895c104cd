// End to end: `swath tile` stopped mid-run (SIGINT, SIGKILL) and resumed: exit codes, what is left, --resume.
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

TEST_CASE("cli tile: SIGINT exits 130 and leaves no partial tile under a final name") {
  test::ScratchDir dir;
  // 16384 tiles: the journal lags the work by the writer's queue, and on a loaded machine 2048 tiles were all done
  // (exit 0) by the time it showed 20 lines.
  const auto scene = many_tiles_scene(dir, 2048, 2048);
  const std::vector<std::string> args{scene, "-o", dir / "out", "--size", "16", "--threads", "2"};
  const auto r = interrupt_after(args, dir / "out", 20, SIGINT);
  CHECK(r.exit_code == 130);
  CHECK(contains(r.err, "interrupted"));
  CHECK_MESSAGE(contains(r.err, "(hint: the same command with --resume keeps the tiles made)"), r.err);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  REQUIRE(test::swath({"tile", scene, "-o", dir / "reference", "--size", "16"}).exit_code == 0);
  CHECK(only_complete_tiles(dir / "out", dir / "reference").size() >= 19);
}

TEST_CASE("cli tile: --resume after SIGKILL mid-run gives exactly the uninterrupted result") {
  test::ScratchDir dir;
  const auto scene = many_tiles_scene(dir);
  const std::vector<std::string> args{scene, "-o", dir / "out", "--size", "16", "--threads", "2"};
  const auto killed = interrupt_after(args, dir / "out", 200, SIGKILL);
  CHECK(killed.exit_code == 128 + SIGKILL);
  auto resume = test::swath({"tile", scene, "-o", dir / "out", "--size", "16", "--resume", "--json"});
  REQUIRE(resume.exit_code == 0);
  CHECK(core::Json::parse(resume.out).at("skipped_resumed").as_int() >= 150);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "reference", "--size", "16"}).exit_code == 0);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));
}

TEST_CASE(
    "cli tile: an --overwrite run stopped mid-way leaves no manifest listing tiles it replaced; resumed, it "
    "gives the uninterrupted result") {
  test::ScratchDir dir;
  const auto scene = many_tiles_scene(dir, 2048, 1024);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "out", "--size", "16"}).exit_code == 0);
  const std::vector<std::string> args{scene, "-o", dir / "out", "--size", "17", "--overwrite", "--threads", "2"};
  const auto stopped = interrupt_after(args, dir / "out", 20, SIGINT);
  CHECK(stopped.exit_code == 130);
  // Was: the 16-px run's tiles.jsonl still there, listing files now 17-px tiles (their hashes wrong).
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  CHECK_FALSE(fs::exists(dir / "out/tiles.geojson"));
  CHECK(fs::exists(dir / "out/.tiles.replaced.jsonl.journal"));  // set aside: what a resumed run still removes
  // Resumed without --overwrite: the set-aside run is still another run, named.
  auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "17", "--resume"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--overwrite"));
  r = test::swath({"tile", scene, "-o", dir / "out", "--size", "17", "--resume", "--overwrite"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "reference", "--size", "17"}).exit_code == 0);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));  // no 16-px tile left
  CHECK_FALSE(fs::exists(dir / "out/.tiles.replaced.jsonl.journal"));

  // The same options, one scene fewer: the set-aside manifest still names the dropped scene's tiles to remove.
  fs::copy_file(scene, dir / "second.tif");
  REQUIRE(test::swath({"tile", scene, dir / "second.tif", "-o", dir / "two", "--size", "16"}).exit_code == 0);
  const std::vector<std::string> fewer{scene, "-o", dir / "two", "--size", "16", "--overwrite", "--threads", "2"};
  CHECK(interrupt_after(fewer, dir / "two", 20, SIGINT).exit_code == 130);
  r = test::swath({"tile", scene, "-o", dir / "two", "--size", "16", "--resume"});  // still another run: refused
  CHECK(r.exit_code == 2);
  r = test::swath({"tile", scene, "-o", dir / "two", "--size", "16", "--resume", "--overwrite"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_FALSE(fs::exists(dir / "two/second"));  // its tiles removed, its directory with them
  CHECK_FALSE(fs::exists(dir / "two/.tiles.replaced.jsonl.journal"));

  // Shards of another run replaced by a whole one: theirs are set aside too, not only the manifest of its name.
  for (const char* shard : {"0/2", "1/2"})
    REQUIRE(test::swath({"tile", scene, "-o", dir / "sh", "--size", "16", "--shard", shard}).exit_code == 0);
  const std::vector<std::string> whole{scene, "-o", dir / "sh", "--size", "17", "--overwrite", "--threads", "2"};
  CHECK(interrupt_after(whole, dir / "sh", 20, SIGINT).exit_code == 130);
  // Were left listing the 16-px tiles the stopped run had already replaced.
  CHECK_FALSE(fs::exists(dir / "sh/tiles.shard-0-of-2.jsonl"));
  CHECK_FALSE(fs::exists(dir / "sh/tiles.shard-1-of-2.jsonl"));
  r = test::swath({"tile", scene, "-o", dir / "sh", "--size", "17", "--resume", "--overwrite"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(test::tree(dir / "sh") == test::tree(dir / "reference"));
}

TEST_CASE(
    "cli tile: a re-run of the same options stopped mid-way leaves no manifest listing tiles it replaced; a stopped "
    "--resume keeps the earlier run's records") {
  test::ScratchDir dir;
  auto scene = many_tiles_scene(dir, 2048, 1024);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "out", "--size", "16"}).exit_code == 0);
  const std::size_t tiles = test::lines(core::read_file(dir / "out/tiles.jsonl")).size() - 1;

  // A stopped --resume of the same scene: the records it had not reached are still the journal's.
  const std::vector<std::string> resume{scene, "-o", dir / "out", "--size", "16", "--resume", "--threads", "2"};
  CHECK(interrupt_after(resume, dir / "out", 20, SIGINT).exit_code == 130);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "16", "--resume", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("skipped_resumed").as_int() == static_cast<std::int64_t>(tiles));

  // The scene rewritten in place: a re-run replaces the tiles; stopped, it must not leave the manifest listing them.
  test::SceneSpec spec;
  spec.width = 2048;
  spec.height = 1024;
  spec.bands = 1;
  spec.type = GDT_Byte;
  spec.georeferenced = false;
  spec.pixel = [](int, int x, int y) { return (x * 5 + y * 11) % 241; };
  scene = test::make_scene(dir / "many.tif", spec);
  const std::vector<std::string> again{scene, "-o", dir / "out", "--size", "16", "--threads", "2"};
  CHECK(interrupt_after(again, dir / "out", 20, SIGINT).exit_code == 130);
  // Was: the first run's tiles.jsonl and tiles.geojson left in place, listing tiles now holding other pixels.
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  CHECK_FALSE(fs::exists(dir / "out/tiles.geojson"));
  r = test::swath({"tile", scene, "-o", dir / "out", "--size", "16", "--resume"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "reference", "--size", "16"}).exit_code == 0);
  CHECK(test::tree(dir / "out") == test::tree(dir / "reference"));
}
