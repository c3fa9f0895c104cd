// End to end: `swath tile` run again over its own output — a scene rewritten in place, tiles that now fail,
// another grid (refused, or replacing the tile set with --overwrite).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE(
    "cli tile: --resume over a scene rewritten with corrupt blocks redoes it: exit 3, no file for a failed tile") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 128, .height = 96, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 40 + x + y) % 256; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  const std::vector<std::string> args{"tile", scene, "-o", dir / "out", "--size", "64", "--overlap", "32", "--json"};
  REQUIRE(test::swath(args).exit_code == 0);
  CHECK(fs::exists(dir / "out/scene/r000001_c000001.tif"));
  test::corrupt_block(scene, 1, 1);  // same size, bands and type: only the content says it changed

  auto resume = args;
  resume.push_back("--resume");
  const auto r = test::swath(resume);
  CHECK(r.exit_code == 3);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("skipped_resumed").as_int() == 0);
  CHECK(summary.at("failed").as_int() == 4);
  CHECK(summary.at("written").as_int() == 2);
  CHECK(summary.at("warnings").dump().find("scene 'scene' differs from the previous run's") != std::string::npos);
  std::size_t failed = 0;
  for (const auto& line : test::manifest_lines(dir / "out")) {
    if (line.find("status") == nullptr || line.at("status").as_string() != "failed") continue;
    ++failed;
    CHECK_FALSE(fs::exists(dir / ("out/" + line.at("id").as_string() + ".tif")));
  }
  CHECK(failed == 4);
  CHECK_FALSE(fs::exists(dir / "out/scene/r000001_c000001.tif"));
}

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The tile files under `output` (relative paths), found by extension as a training loader's glob would.
std::set<std::string> tile_files(const std::string& output, const std::string& extension = ".tif") {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(output)) {
    if (e.is_regular_file() && e.path().extension() == extension) out.insert(fs::relative(e.path(), output).string());
  }
  return out;
}

// The paths every manifest named `tiles*.jsonl` in `output` lists.
std::set<std::string> listed(const std::string& output) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(output)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("tiles", 0) != 0 || e.path().extension() != ".jsonl") continue;
    for (const auto& line : test::lines(core::read_file(e.path().string()))) {
      const auto json = core::Json::parse(line);
      if (const auto* path = json.find("path")) out.insert(path->as_string());
    }
  }
  return out;
}

}  // namespace

TEST_CASE(
    "cli tile: re-tiling a used folder with another --size is refused naming both; --overwrite replaces the tile set") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 128, .height = 96});
  const auto out = dir / "out";
  REQUIRE(test::swath({"tile", scene, "-o", out, "--size", "16"}).exit_code == 0);
  REQUIRE(tile_files(out).size() == 48);
  // Files swath did not write, one with a tile's name: never removed.
  test::write_text(out + "/scene/notes.txt", "mine\n");
  test::write_text(out + "/scene/r000099_c000099.tif", "mine too\n");
  const auto before = test::tree(out);

  auto r = test::swath({"tile", scene, "-o", out, "--size", "32"});
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(contains(
      r.err,
      "swath tile: output '" + out +
          "': it holds the tiles of a run with other options (tiles.jsonl: size 16; "
          "this run: size 32) (hint: --overwrite replaces that run's tiles with this run's; or choose another -o)"));
  CHECK(test::tree(out) == before);  // nothing written, nothing removed
  r = test::swath({"tile", scene, "-o", out, "--size", "16", "-f", "PNG"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "format GTiff; this run: format PNG"));

  r = test::swath({"tile", scene, "-o", out, "--size", "32", "--overwrite", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("removed").as_int() == 36);  // 48 old tiles, 12 of them overwritten
  const auto now_listed = listed(out);
  CHECK(now_listed.size() == 12);
  auto expected = now_listed;
  expected.insert("scene/r000099_c000099.tif");
  CHECK(tile_files(out) == expected);  // a glob sees this run's tiles only (and the file that was never swath's)
  CHECK(fs::exists(out + "/scene/notes.txt"));
  CHECK(core::Json::parse(core::read_file(out + "/tiles.geojson")).at("features").as_array().size() == 12);

  // The same options again, and --resume, work as before.
  r = test::swath({"tile", scene, "-o", out, "--size", "32", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("removed").as_int() == 0);
  r = test::swath({"tile", scene, "-o", out, "--size", "32", "--resume", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("skipped_resumed").as_int() == 12);
  CHECK(tile_files(out) == expected);
}

TEST_CASE(
    "cli tile: a whole run's folder takes no shards of its options; shards of another size replace it with --overwrite") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 128, .height = 96});
  const auto out = dir / "out";
  // Shards beside the whole run of their options would list every tile a second time.
  REQUIRE(test::swath({"tile", scene, "-o", out, "--size", "16"}).exit_code == 0);
  for (const char* shard : {"0/2", "1/2"}) {
    const auto beside = test::swath({"tile", scene, "-o", out, "--size", "16", "--shard", shard});
    CHECK(beside.exit_code == 2);
    CHECK(contains(beside.err, "it holds the tiles of an unsharded run (tiles.jsonl), this one is in 2 shards"));
  }
  CHECK(tile_files(out).size() == 48);
  CHECK(listed(out) == tile_files(out));

  const auto refused = test::swath({"tile", scene, "-o", out, "--size", "32", "--shard", "0/2"});
  CHECK(refused.exit_code == 2);
  CHECK(contains(refused.err, "tiles.jsonl: size 16"));

  // The new run's two shards at once, as the pods of an Indexed Job start: neither removes the other's tiles or
  // the manifest it has just committed under the name an old shard's manifest had.
  std::vector<std::string> first{SWATH_BINARY, "tile", scene,     "-o",  out,
                                 "--size",     "32",   "--shard", "0/2", "--overwrite"};
  std::vector<std::string> second = first;
  second[8] = "1/2";
  test::Background a(first), b(second);
  const auto ra = a.wait(), rb = b.wait();
  CAPTURE(ra.err);
  CAPTURE(rb.err);
  REQUIRE(ra.exit_code == 0);
  REQUIRE(rb.exit_code == 0);
  CHECK(tile_files(out).size() == 12);
  CHECK(listed(out) == tile_files(out));
  std::set<std::string> manifests;
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.is_regular_file()) manifests.insert(e.path().filename().string());
  }
  CHECK(manifests == std::set<std::string>{"tiles.shard-0-of-2.geojson", "tiles.shard-0-of-2.jsonl",
                                           "tiles.shard-1-of-2.geojson", "tiles.shard-1-of-2.jsonl"});
}

TEST_CASE("cli tile: --resume keeps PNG tiles scaled from a 16-bit scene (its ranges read back as integers)") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 96, .height = 64, .bands = 1, .type = GDT_UInt16};
  spec.pixel = [](int, int x, int y) { return 100 + (x * 7 + y * 3) % 800; };
  const auto scene = test::make_scene(dir / "sar.tif", spec);
  const std::vector<std::string> args{"tile", scene, "-o", dir / "out", "--size", "32", "-f", "PNG", "--json"};
  REQUIRE(test::swath(args).exit_code == 0);
  auto again = args;
  again.push_back("--resume");
  const auto r = test::swath(again);
  REQUIRE(r.exit_code == 0);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("skipped_resumed").as_int() == 6);
  CHECK(summary.at("written").as_int() == 0);
  CHECK(r.err.find("differs from the previous run's") == std::string::npos);
}

TEST_CASE("cli tile: chips --overwrite over a web-map pyramid is refused; the pyramid is left whole (exit 2)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "scene.tif", {.bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int y) { return (x + y) % 250 + 1; }});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "map", "--grid", "xyz", "--zoom", "2-3"}).exit_code == 0);
  const auto before = core::read_file(dir / "map/tiles.jsonl");
  for (const bool overwrite : {false, true}) {
    std::vector<std::string> args{"tile", scene, "-o", dir / "map", "--size", "32"};
    if (overwrite) args.push_back("--overwrite");
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(
        r.err.find("it holds a web-map pyramid (tiles.jsonl): chips would mix with it, and --overwrite "
                   "replaces chips only (hint: choose another -o, or remove that pyramid first)") != std::string::npos,
        r.err);
  }
  CHECK(core::read_file(dir / "map/tiles.jsonl") == before);
  CHECK_FALSE(fs::exists(dir / "map/scene"));
}

TEST_CASE("cli tile: two runs of other options started at once into one -o: one runs, the other is refused (exit 2)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256});
  std::filesystem::create_directories(dir / "out");
  std::vector<std::unique_ptr<test::Background>> runs;
  {
    // Held here, the directory's lock stops both at the door; released, one takes it first, whichever.
    const core::DirectoryLock lock(dir / "out");
    for (const std::string size : {"64", "128"})
      runs.push_back(std::make_unique<test::Background>(
          std::vector<std::string>{SWATH_BINARY, "tile", scene, "-o", dir / "out", "--size", size, "--threads", "1"}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK_FALSE(std::filesystem::exists(dir / "out/.tiles.jsonl.journal"));  // both waiting
  }
  std::multiset<int> codes;
  for (auto& run : runs) codes.insert(run->wait(std::chrono::seconds(60)).exit_code);
  CHECK(codes == std::multiset<int>{0, 2});
  // What is there is one run's, listed right.
  CHECK(test::swath({"tile", scene, "-o", dir / "out", "--size", "64", "--resume"}).exit_code !=
        test::swath({"tile", scene, "-o", dir / "out", "--size", "128", "--resume"}).exit_code);
}

TEST_CASE("cli tile: shards of another count into one -o are refused: their tiles would be listed twice") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "out", "--size", "64", "--shard", "0/2"}).exit_code == 0);
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--size", "64", "--shard", "0/3"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("it holds the tiles of a run in 2 shards (tiles.shard-0-of-2.jsonl), this one is in 3") !=
        std::string::npos);
  CHECK(test::swath({"tile", scene, "-o", dir / "out", "--size", "64", "--shard", "1/2"}).exit_code == 0);
  // A whole run beside shards of its options, or shards beside a whole run, would list every tile twice as well.
  const auto whole = test::swath({"tile", scene, "-o", dir / "out", "--size", "64"});
  CHECK(whole.exit_code == 2);
  CHECK(whole.err.find("it holds the tiles of a run in 2 shards") != std::string::npos);
  CHECK(whole.err.find("this one is unsharded") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  REQUIRE(test::swath({"tile", scene, "-o", dir / "whole", "--size", "64"}).exit_code == 0);
  const auto shard = test::swath({"tile", scene, "-o", dir / "whole", "--size", "64", "--shard", "0/2"});
  CHECK(shard.exit_code == 2);
  CHECK(shard.err.find("it holds the tiles of an unsharded run (tiles.jsonl), this one is in 2 shards") !=
        std::string::npos);
  // Another run's shards (other options) are what --overwrite replaces: not refused then.
  const auto replacing =
      test::swath({"tile", scene, "-o", dir / "out", "--size", "128", "--shard", "0/4", "--overwrite"});
  CHECK_MESSAGE(replacing.exit_code == 0, replacing.err);
}

TEST_CASE("cli tile: a run finding another live run's journal there is refused, --overwrite or not (exit 2)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256});
  const auto other = test::make_scene(dir / "other.tif", {.width = 128, .height = 128});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "out", "--size", "64"}).exit_code == 0);
  const std::string before = core::read_file(dir / "out/tiles.jsonl");
  // A stand-in for a live run: its journal, locked as a run locks its own while it writes (a real flock).
  const std::string journal = dir / "out/.tiles.jsonl.journal";
  {
    std::ofstream(journal) << before.substr(0, before.find('\n') + 1);
    const int fd = ::open(journal.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    // Same options, more scenes: both would write tiles.jsonl, the last to commit listing only its own.
    const auto more = test::swath({"tile", other, scene, "-o", dir / "out", "--size", "64"});
    CHECK(more.exit_code == 2);
    CHECK(more.err.find("another run is writing there now (.tiles.jsonl.journal)") != std::string::npos);
    // Other options, told to replace it: its tiles are still being listed.
    const auto replacing = test::swath({"tile", scene, "-o", dir / "out", "--size", "128", "--overwrite"});
    CHECK(replacing.exit_code == 2);
    CHECK(replacing.err.find("another run is writing there now") != std::string::npos);
    ::close(fd);
  }
  CHECK(core::read_file(dir / "out/tiles.jsonl") == before);
  // Neither emptied nor written to by the refused runs.
  CHECK(core::read_file(journal) == before.substr(0, before.find('\n') + 1));
  // Once that run is gone, its journal is a killed run's: --resume takes over.
  CHECK(test::swath({"tile", other, scene, "-o", dir / "out", "--size", "64", "--resume"}).exit_code == 0);
  CHECK_FALSE(fs::exists(journal));
}
