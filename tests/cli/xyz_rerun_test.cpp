// End to end: a `swath tile --grid xyz` re-run into a pyramid replaces it; stopped half-way, it leaves neither the
// earlier run's tiles.jsonl nor its tilejson.json describing a pyramid that is now half another's.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "cli/tile_support.hpp"
#include "core/json.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

std::string scene_of(const test::ScratchDir& dir, int step) {
  return test::make_scene(
      dir / "s.tif",
      {.width = 1200, .height = 1200, .bands = 3, .type = GDT_Byte, .pixel = [step](int b, int x, int y) {
         return (x + step * y + 40 * b) % 251;
       }});
}

}  // namespace

TEST_CASE(
    "tile --grid xyz: a re-run stopped half-way leaves no tiles.jsonl or tilejson.json of the pyramid it replaces") {
  test::ScratchDir dir;
  auto scene = scene_of(dir, 2);
  const std::vector<std::string> args{"tile", scene,    "-o",    dir / "map", "--grid",
                                      "xyz",  "--zoom", "10-16", "--threads", "1"};
  REQUIRE(test::swath(args).exit_code == 0);
  REQUIRE(fs::exists(dir / "map/tilejson.json"));

  scene = scene_of(dir, 3);  // rewritten in place: the same options, other pixels
  const std::vector<std::string> after_tile(args.begin() + 1, args.end());
  CHECK(test::tiles::interrupt_after(after_tile, dir / "map", 3, SIGINT).exit_code == 130);
  // Were left in place: a map client read the first scene's pyramid, some of its tiles now the second's.
  CHECK_FALSE(fs::exists(dir / "map/tiles.jsonl"));
  CHECK_FALSE(fs::exists(dir / "map/tiles.geojson"));
  CHECK_FALSE(fs::exists(dir / "map/tilejson.json"));

  auto resumed = args;
  resumed.push_back("--resume");
  REQUIRE(test::swath(resumed).exit_code == 0);
  auto reference = args;
  reference[3] = dir / "reference";
  REQUIRE(test::swath(reference).exit_code == 0);
  CHECK(test::pyramid_files(dir / "map") == test::pyramid_files(dir / "reference"));
}

TEST_CASE("tile --grid xyz: a shard run retires the merged manifest and tilejson.json; a refused merge keeps them") {
  test::ScratchDir dir;
  const auto scene = scene_of(dir, 2);
  const std::vector<std::string> common{"--grid", "xyz", "--zoom", "10-14"};
  const auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    return test::swath(args);
  };
  for (const std::string shard : {"0/2", "1/2"})
    REQUIRE(run({"tile", scene, "-o", dir / "map", "--shard", shard}).exit_code == 0);
  REQUIRE(run({"tile", "--merge-shards", dir / "map"}).exit_code == 0);
  REQUIRE(fs::exists(dir / "map/tilejson.json"));

  // A merge refused for its archive's path (a file where its directory should be) leaves the merge it would replace.
  test::write_text(dir / "blocker", "x");
  CHECK(run({"tile", "--merge-shards", dir / "map", "-o", dir / "blocker/out.pmtiles"}).exit_code != 0);
  CHECK(fs::exists(dir / "map/tiles.jsonl"));
  CHECK(fs::exists(dir / "map/tilejson.json"));

  // A shard run again replaces tiles the merged manifest lists (other ones, were the scene rewritten): it goes.
  REQUIRE(run({"tile", scene, "-o", dir / "map", "--shard", "0/2"}).exit_code == 0);
  CHECK_FALSE(fs::exists(dir / "map/tiles.jsonl"));
  CHECK_FALSE(fs::exists(dir / "map/tiles.geojson"));
  CHECK_FALSE(fs::exists(dir / "map/tilejson.json"));
  CHECK(fs::exists(dir / "map/tiles.shard-1-of-2.jsonl"));
  REQUIRE(run({"tile", "--merge-shards", dir / "map"}).exit_code == 0);
  REQUIRE(run({"tile", scene, "-o", dir / "whole"}).exit_code == 0);
  CHECK(test::pyramid_files(dir / "map") == test::pyramid_files(dir / "whole"));  // the shards' manifests aside
}

TEST_CASE("tile --grid xyz --resume: a pyramid made before headers recorded geotransforms keeps its tiles") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "small.tif", {.width = 200, .height = 200, .bands = 3, .type = GDT_Byte, .pixel = [](int b, int x, int y) {
                            return (x + y + 40 * b) % 251;
                          }});
  const std::vector<std::string> args{"tile", scene, "-o", dir / "map", "--grid", "xyz", "--zoom", "12-14", "--json"};
  REQUIRE(test::swath(args).exit_code == 0);
  // The header as an older swath wrote it: its scenes without "geotransform".
  auto lines = test::manifest_lines(dir / "map");
  core::Json old_scenes = core::Json::array();
  for (const auto& described : lines[0].at("scenes").as_array()) {
    core::Json kept = core::Json::object();
    for (const auto& [key, value] : described.as_object())
      if (key != "geotransform") kept.set(key, value);
    old_scenes.push_back(std::move(kept));
  }
  lines[0].set("scenes", std::move(old_scenes));
  std::string text;
  for (const auto& line : lines) text += line.dump() + "\n";
  core::write_file_atomic(dir / "map/tiles.jsonl", text);
  auto resume = args;
  resume.push_back("--resume");
  const auto r = test::swath(resume);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("skipped_resumed").as_int() > 0);  // was 0: every tile redone
  CHECK(core::Json::parse(r.out).at("written").as_int() == 0);
}
