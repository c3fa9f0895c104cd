// `swath tile` run again when a scene of the same name is not the same scene any more: another size (rewritten
// smaller, cropped), another file flattened to the same name; and a worker finding another run's chips.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <filesystem>
#include <set>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

std::string scene_of(const std::string& path, int width, int height, int shift = 0) {
  fs::remove(path);
  fs::create_directories(fs::path(path).parent_path());
  return test::make_scene(
      path, {.width = width, .height = height, .bands = 3, .type = GDT_Byte, .pixel = [shift](int b, int x, int y) {
               return (x + 3 * y + 50 * b + shift) % 251;
             }});
}

// Tile files under `dir` (relative paths), and the paths its manifests list.
std::set<std::string> files_in(const std::string& dir, const std::string& extension) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const auto path = fs::relative(entry.path(), dir).string();
    if (entry.is_regular_file() && entry.path().extension() == extension && path[0] != '.') out.insert(path);
  }
  return out;
}

std::set<std::string> listed(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& line : test::manifest_lines(dir)) {
    if (line.find("path") != nullptr) out.insert(line.at("path").as_string());
  }
  return out;
}

}  // namespace

TEST_CASE("cli tile: a scene rewritten smaller is another grid: refused; --overwrite leaves only its tiles") {
  test::ScratchDir dir;
  const auto scene = scene_of(dir / "scene.tif", 128, 96);
  const std::vector<std::string> args{"tile", scene, "-o", dir / "out", "--size", "32", "--json"};
  REQUIRE(test::swath(args).exit_code == 0);
  REQUIRE(files_in(dir / "out", ".tif").size() == 12);
  scene_of(scene, 64, 48);
  for (const char* extra : {"", "--resume"}) {
    auto again = args;
    if (*extra != '\0') again.push_back(extra);
    const auto r = test::swath(again);
    CHECK(r.exit_code == 2);  // was 0, with 8 tiles of the old scene beside the 4 listed
    CHECK_MESSAGE(r.err.find("its tiles.jsonl lists the tiles of scene 'scene' of '" + scene +
                             "' (128×96 px), not "
                             "this run's '" +
                             scene + "' (64×48 px)") != std::string::npos,
                  r.err);
    CHECK(r.err.find("--overwrite replaces that run's tiles") != std::string::npos);
  }
  CHECK(files_in(dir / "out", ".tif").size() == 12);  // nothing touched
  auto overwrite = args;
  overwrite.push_back("--overwrite");
  const auto r = test::swath(overwrite);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("removed").as_int() == 8);
  CHECK(files_in(dir / "out", ".tif") == listed(dir / "out"));
  CHECK(listed(dir / "out").size() == 4);
}

TEST_CASE("cli tile: another file of the same scene name is refused; the same content under another path is not") {
  test::ScratchDir dir;
  const auto first = scene_of(dir / "x1/s.tif", 64, 48);
  const auto other = scene_of(dir / "x2/s.tif", 64, 48, 7);  // same size, other pixels
  REQUIRE(test::swath({"tile", first, "-o", dir / "out", "--size", "32"}).exit_code == 0);
  const auto r = test::swath({"tile", other, "-o", dir / "out", "--size", "32"});
  CHECK(r.exit_code == 2);  // was 0: x1's tiles silently replaced by x2's
  CHECK_MESSAGE(r.err.find("scene 's' of '" + first + "' (64×48 px), not this run's '" + other +
                           "' (64×48 px, other content)") != std::string::npos,
                r.err);
  // A copy is the same scene: its run goes on, as a re-run does.
  fs::create_directories(dir / "x3");
  fs::copy_file(first, dir / "x3/s.tif");
  CHECK(test::swath({"tile", dir / "x3/s.tif", "-o", dir / "out", "--size", "32"}).exit_code == 0);
  // The same path rewritten at its size is the same scene too: every cell is written again.
  scene_of(dir / "x3/s.tif", 64, 48, 11);
  CHECK(test::swath({"tile", dir / "x3/s.tif", "-o", dir / "out", "--size", "32"}).exit_code == 0);
  // ... also named another way: relative, through a link (was refused: the path was compared as typed).
  scene_of(dir / "x3/s.tif", 64, 48, 13);
  CHECK(test::swath({"tile", "x3/s.tif", "-o", "out", "--size", "32"}, {.working_dir = dir.path()}).exit_code == 0);
  fs::create_directory_symlink(dir / "x3", dir / "link");
  scene_of(dir / "x3/s.tif", 64, 48, 17);
  CHECK(test::swath({"tile", "link/s.tif", "-o", "out", "--size", "32"}, {.working_dir = dir.path()}).exit_code == 0);
}

TEST_CASE("cli tile --grid xyz: a scene cropped since the pyramid was made is refused (exit 2), tiles untouched") {
  test::ScratchDir dir;
  const auto scene = scene_of(dir / "s.tif", 400, 400);
  const std::vector<std::string> args{"tile", scene, "-o", dir / "map", "--grid", "xyz", "--zoom", "12-14"};
  REQUIRE(test::swath(args).exit_code == 0);
  const auto before = files_in(dir / "map", ".png");
  scene_of(scene, 100, 100);
  const auto r = test::swath(args);
  CHECK(r.exit_code == 2);  // was 0: the tiles the cropped scene no longer covers stayed, listed nowhere
  CHECK_MESSAGE(r.err.find("(400×400 px), not this run's") != std::string::npos, r.err);
  CHECK(r.err.find("remove that pyramid first") != std::string::npos);
  CHECK(files_in(dir / "map", ".png") == before);
}

TEST_CASE("cli tile --grid xyz: a scene moved on the map at its size is refused (exit 2); rewritten in place is not") {
  test::ScratchDir dir;
  const auto scene = scene_of(dir / "s.tif", 200, 200);
  const std::vector<std::string> args{"tile", scene, "-o", dir / "map", "--grid", "xyz", "--zoom", "12-14"};
  REQUIRE(test::swath(args).exit_code == 0);
  scene_of(scene, 200, 200, 5);  // same place, other pixels: the same scene, its tiles all written again
  REQUIRE(test::swath(args).exit_code == 0);
  const auto before = files_in(dir / "map", ".png");
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset);
    double moved[6] = {test::scene_geotransform[0] + 5000, 10, 0, test::scene_geotransform[3], 0, -10};
    REQUIRE(dataset->SetGeoTransform(moved) == CE_None);
  }
  const auto r = test::swath(args);
  CHECK(r.exit_code == 2);  // was 0: the tiles of its old place stayed, listed nowhere
  CHECK_MESSAGE(r.err.find("(200×200 px), not this run's '" + scene + "' (200×200 px, elsewhere on the map)") !=
                    std::string::npos,
                r.err);
  CHECK(files_in(dir / "map", ".png") == before);
}

namespace {

// A tile work enqueued with `enqueue_flags` into a fresh output, then `swath tile` there with `local_flags`, then a
// worker: checks `dead` tasks went dead and the local run's files were left as they were; returns the worker's stderr.
std::string worker_after_local_run(const std::vector<std::string>& enqueue_flags,
                                   const std::vector<std::string>& local_flags, std::size_t dead = 1) {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_of(dir / "scene.tif", 128, 96);
  std::vector<std::string> enqueue{"enqueue", "--kind", "tile", scene, "--output", dir / "out"};
  enqueue.insert(enqueue.end(), enqueue_flags.begin(), enqueue_flags.end());
  auto r = test::swath(test::with_queue(redis, "mix", enqueue));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<std::string> local{"tile", scene, "-o", dir / "out"};
  local.insert(local.end(), local_flags.begin(), local_flags.end());
  REQUIRE(test::swath(local).exit_code == 0);
  const auto before = test::tree(dir / "out");
  const auto worker = test::swath(test::with_queue(redis, "mix", {"worker", "--exit-when-empty"}));
  CHECK(worker.exit_code == 0);
  CHECK(test::tree(dir / "out") == before);
  r = test::swath(test::with_queue(redis, "mix", {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("tasks").as_array().size() == dead);
  return worker.err;
}

}  // namespace

TEST_CASE("cli worker: a tile set made in the output since enqueue that the task's would mix with: dead, untouched") {
  // Chips of other options. Was: four 64 px tiles over the local run's 32 px ones.
  auto err = worker_after_local_run({"--options", R"({"size":64})"}, {"--size", "32"});
  CHECK_MESSAGE(err.find("holds the tiles of a run with other options") != std::string::npos, err);
  // Shard manifests of another count. Was: the task committed, two tile ids listed twice.
  err = worker_after_local_run({"--options", R"({"size":32})"}, {"--size", "32", "--shard", "0/2"});
  CHECK_MESSAGE(err.find("(there when the worker looked: made since enqueue") != std::string::npos, err);
}

TEST_CASE("cli worker: a pyramid's shard tasks over a pyramid of other zooms or another shard count: dead, untouched") {
  // Other zooms. Was: both shards committed; tiles.jsonl replaced, the local run's zoom-15 tiles listed nowhere.
  auto err = worker_after_local_run({"--grid", "xyz", "--zoom", "12-14", "--shards", "2"},
                                    {"--grid", "xyz", "--zoom", "12-15"}, 2);
  CHECK_MESSAGE(err.find("holds the tiles of a run with other options") != std::string::npos, err);
  // Shards of another count. Was: both shard tasks committed beside the local run's 3-shard files.
  err = worker_after_local_run({"--grid", "xyz", "--zoom", "12-14", "--shards", "2"},
                               {"--grid", "xyz", "--zoom", "12-14", "--shard", "0/3"}, 2);
  CHECK_MESSAGE(err.find("shards") != std::string::npos, err);
}

TEST_CASE("cli enqueue: two works of other options into one output are refused (exit 2), other scenes or not") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto one = scene_of(dir / "one.tif", 64, 48);
  const auto two = scene_of(dir / "two.tif", 64, 48, 3);
  auto r = test::swath(test::with_queue(redis, "mix2", {"enqueue", "--kind", "tile", one, "--output", dir / "out"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(test::with_queue(
      redis, "mix2", {"enqueue", "--kind", "tile", two, "--output", dir / "out", "--options", R"({"size":256})"}));
  CHECK(r.exit_code == 2);  // was 0: two workers then wrote a 512 and a 256 grid side by side
  CHECK_MESSAGE(r.err.find("tiles.*.jsonl") != std::string::npos, r.err);
  // Other scenes of the same options into that output are one tile set: accepted, --skip-blank aside (it only decides
  // which cells get a file, as for `swath tile`).
  const auto three = scene_of(dir / "three.tif", 64, 48, 5);
  r = test::swath(test::with_queue(redis, "mix2", {"enqueue", "--kind", "tile", two, "--output", dir / "out"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(test::with_queue(
      redis, "mix2",
      {"enqueue", "--kind", "tile", three, "--output", dir / "out", "--options", R"({"skip_blank":0.5})"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE(
    "cli tile: a tiles.jsonl no swath wrote is refused (exit 2) and kept, a scene of that name too; empty passes") {
  test::ScratchDir dir;
  const auto scene = scene_of(dir / "in/s.tif", 64, 48);
  const std::string notes = "{\"my\":\"own data\"}\n";
  test::write_text(dir / "out/tiles.jsonl", notes);
  for (const std::vector<std::string>& grid : {std::vector<std::string>{},
                                               {"--grid", "xyz", "--zoom", "10-11"},
                                               {"--grid", "xyz", "--zoom", "10-11", "--shard", "0/2"}}) {
    std::vector<std::string> args{"tile", scene, "-o", dir / "out"};
    args.insert(args.end(), grid.begin(), grid.end());
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);  // was 0: the file retired into the journal and removed with it
    CHECK_MESSAGE(r.err.find("is not a swath tile manifest") != std::string::npos, r.err);
    CHECK(core::read_file(dir / "out/tiles.jsonl") == notes);
    CHECK(test::tree(dir / "out").size() == 1);
  }
  // The scene itself named so: was moved into the journal, then "no such file" (exit 1), then gone on the next run.
  fs::copy_file(scene, dir / "in/tiles.jsonl");
  const auto bytes = core::read_file(dir / "in/tiles.jsonl");
  CHECK(test::swath({"tile", dir / "in/tiles.jsonl", "-o", dir / "in"}).exit_code == 2);
  CHECK(core::read_file(dir / "in/tiles.jsonl") == bytes);
  test::write_text(dir / "out/tiles.jsonl", "");
  CHECK(test::swath({"tile", scene, "-o", dir / "out"}).exit_code == 0);
}
