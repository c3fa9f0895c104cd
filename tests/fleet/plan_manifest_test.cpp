// fleet::plan_tasks from the manifests `swath tile` really writes (tile_scenes on a GTiff).
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "fleet/enqueue_check.hpp"
#include "fleet/plan.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// 100 x 70 px in 32 px tiles: 4 x 3 = 12 tiles; the first column (x < 32) is nodata, so 3 tiles are blank.
std::string tiled_scene_at(const std::string& path, const std::string& output, std::int64_t size = 32) {
  test::SceneSpec spec;
  spec.width = 100;
  spec.height = 70;
  spec.nodata = 0;
  spec.pixel = [](int b, int x, int y) { return x < 32 ? 0 : b * 1000 + x + y; };
  fs::create_directories(fs::path(path).parent_path());
  const auto scene = test::make_scene(path, spec);
  auto options = test::tile_options(scene, output, size);
  options.skip_blank = 1.0;
  (void)tiling::tile_scenes(options);
  return scene;
}

std::string tiled_scene(const test::ScratchDir& dir, const std::string& name, const std::string& output,
                        std::int64_t size = 32) {
  return tiled_scene_at(dir / ("in/" + name + ".tif"), output, size);
}

fleet::PlanOptions options(const test::ScratchDir& dir, const std::string& kind, std::vector<std::string> inputs,
                           std::size_t per_task) {
  fleet::PlanOptions o;
  o.kind = kind;
  o.inputs = std::move(inputs);
  o.output = dir / "out";
  o.tiles_per_task = per_task;
  o.trace = log::TraceContext::new_root();
  return o;
}

// The manifest with `edit` applied to its tile lines (the header kept as written).
void rewrite_manifest(const std::string& path, const std::function<void(core::Json&)>& edit) {
  std::string text;
  for (const auto& line : test::lines(core::read_file(path))) {
    auto json = core::Json::parse(line);
    if (json.find("schema") == nullptr) edit(json);
    text += json.dump() + "\n";
  }
  test::write_text(path, text);
}

}  // namespace

TEST_CASE("enqueue --kind detect from swath tile's manifest: the written tiles' files, K per task") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "tiles");
  const auto tasks = fleet::plan_tasks(options(dir, "detect", {dir / "tiles/tiles.jsonl"}, 4), 0);
  REQUIRE(tasks.size() == 3);  // 9 written tiles (3 blank skipped) in batches of 4
  std::set<std::string> files;
  for (const auto& t : tasks) {
    // A detect task reads files, each labelled as its line labels it (what swath detect on the manifest says).
    const auto& labels = t.options.at("tiles").as_array();
    REQUIRE(labels.size() == t.inputs.size());
    for (std::size_t i = 0; i < t.inputs.size(); ++i) {
      const auto& input = t.inputs[i];
      CHECK(fs::path(input).is_absolute());
      CHECK(fs::is_regular_file(input));
      CHECK(labels[i].at("scene").as_string() == "sea");
      CHECK(input == dir / ("tiles/" + labels[i].at("id").as_string() + ".tif"));
      CHECK(labels[i].at("sha256").as_string() == core::sha256_hex(core::read_file(input)));  // checked by the worker
      CHECK(labels[i].as_object().size() == 3);  // nothing else of the line is kept in Redis
      files.insert(input);
    }
  }
  CHECK(files.size() == 9);
  CHECK(files.count(dir / "tiles/sea/r000000_c000001.tif") == 1);
  CHECK(files.count(dir / "tiles/sea/r000000_c000000.tif") == 0);  // blank: no file
}

TEST_CASE("enqueue --kind detect: a failed tile is refused, naming its line (no task could examine it)") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "tiles");
  rewrite_manifest(dir / "tiles/tiles.jsonl", [](core::Json& line) {
    if (line.at("index").as_int() == 5) {
      line.set("status", "failed");
      line.set("error", "read error");
    }
  });
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, "detect", {dir / "tiles/tiles.jsonl"}, 4), 0),
                       doctest::Contains("tiles.jsonl:7: tile 'sea/r000001_c000001' failed when tiled (read error)"),
                       core::UsageError);
}

TEST_CASE("enqueue --kind detect: a tile file that is not there is refused, naming its line") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "tiles");
  fs::remove(dir / "tiles/sea/r000002_c000003.tif");  // the manifest's last tile: every task is checked
  const std::string expected =
      "tiles.jsonl:13: its tile file '" + (dir / "tiles/sea/r000002_c000003.tif") + "' does not exist";
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, "detect", {dir / "tiles/tiles.jsonl"}, 4), 0),
                       doctest::Contains(expected.c_str()), core::UsageError);
}

TEST_CASE("enqueue --kind detect: a manifest line without a path is named") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "tiles");
  rewrite_manifest(dir / "tiles/tiles.jsonl", [](core::Json& line) {
    if (line.at("index").as_int() == 5) line = core::Json::Object{{"id", "x"}, {"status", "written"}};
  });
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, "detect", {dir / "tiles/tiles.jsonl"}, 4), 0),
                       doctest::Contains("tiles.jsonl:7: no \"path\""), core::DataError);
}

TEST_CASE("enqueue --kind tile from swath tile's manifests: the header's source, one scene per task") {
  test::ScratchDir dir;
  const auto a = tiled_scene(dir, "a", dir / "ta");
  const auto b = tiled_scene(dir, "b", dir / "tb");
  // Lines name the scene by name only; the header says where it came from.
  const auto header = test::manifest_lines(dir / "ta").at(0);
  CHECK(header.at("scenes").as_array().at(0).at("source").as_string() == a);

  const auto tasks = fleet::plan_tasks(options(dir, "tile", {dir / "ta/tiles.jsonl", dir / "tb/tiles.jsonl"}, 5), 0);
  REQUIRE(tasks.size() == 6);  // 12 lines each (blank ones too: re-tiling decides again) in 5 + 5 + 2
  std::vector<std::int64_t> indices_of_a;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    CHECK(tasks[i].inputs == std::vector<std::string>{i < 3 ? a : b});
    if (i >= 3) continue;
    // Only the grid indices travel (and stay in Redis), not the lines; and the scene's fingerprint, for the worker
    // to check again (the header's, which the file has now).
    CHECK(tasks[i].options.find("tiles") == nullptr);
    CHECK(tasks[i].options.at("scene_fingerprint") == header.at("scenes").as_array().at(0).at("fingerprint"));
    CHECK(tasks[i].options.at("scene_fingerprint").as_string() == raster::file_fingerprint(a));
    for (const auto& index : tasks[i].options.at("only_indices").as_array()) indices_of_a.push_back(index.as_int());
  }
  CHECK(indices_of_a == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});

  // One manifest holding both scenes (swath tile a b): a batch never mixes them.
  test::write_text(dir / "both.jsonl",
                   core::read_file(dir / "ta/tiles.jsonl") + core::read_file(dir / "tb/tiles.jsonl"));
  const auto mixed = fleet::plan_tasks(options(dir, "tile", {dir / "both.jsonl"}, 5), 0);
  REQUIRE(mixed.size() == 6);
  for (const auto& t : mixed) CHECK(t.inputs.size() == 1);

  // A line without a grid index cannot be re-tiled: refused, naming the line.
  test::write_text(dir / "noindex.jsonl",
                   test::manifest_lines(dir / "ta").at(0).dump() + "\n{\"scene\":\"a\",\"status\":\"written\"}\n");
  std::string message;
  try {
    (void)fleet::plan_tasks(options(dir, "tile", {dir / "noindex.jsonl"}, 5), 0);
  } catch (const core::UsageError& e) {
    message = e.what();
  }
  CHECK(message.find("noindex.jsonl:2: has no grid \"index\"") != std::string::npos);
}

TEST_CASE("enqueue --kind tile: a header source that is not a file is refused, naming line, scene and fix") {
  test::ScratchDir dir;
  const auto scene = tiled_scene(dir, "sea", dir / "tiles");
  fs::remove(scene);
  std::string message, hint;
  try {
    (void)fleet::plan_tasks(options(dir, "tile", {dir / "tiles/tiles.jsonl"}, 5), 0);
  } catch (const core::UsageError& e) {
    message = e.what();
    hint = e.hint();
  }
  CHECK(message.find("tiles.jsonl:2: scene 'sea': its source '" + scene +
                     "' (from the manifest's header) is not a file") != std::string::npos);
  CHECK(hint.find("relative to the current directory") != std::string::npos);
}

TEST_CASE("enqueue --kind tile: manifests of one scene on two grids are two works in one place, refused before Redis") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "t32");
  tiled_scene(dir, "sea", dir / "t64", 64);
  auto tasks = fleet::plan_tasks(options(dir, "tile", {dir / "t32/tiles.jsonl", dir / "t64/tiles.jsonl"}, 100), 0);
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].options.at("size").as_int() == 32);  // each manifest's own grid
  CHECK(tasks[1].options.at("size").as_int() == 64);
  CHECK_THROWS_WITH_AS(fleet::check_tasks(tasks), doctest::Contains("two works of this enqueue would write there"),
                       core::UsageError);
}

TEST_CASE("enqueue --kind detect: a tile named through a symlinked directory is the tile named through the real one") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "tiles");
  fs::create_directory_symlink(dir / "tiles/sea", dir / "tiles/link");
  test::write_text(dir / "tiles/hand.jsonl",
                   "{\"path\":\"sea/r000000_c000001.tif\"}\n{\"path\":\"link/r000000_c000001.tif\"}\n");
  const auto tasks = fleet::plan_tasks(options(dir, "detect", {dir / "tiles/hand.jsonl"}, 1), 0);
  REQUIRE(tasks.size() == 1);  // one spelling per path: the same file is the same task
  CHECK(tasks[0].inputs == std::vector<std::string>{dir / "tiles/sea/r000000_c000001.tif"});
}

TEST_CASE("enqueue --kind tile: manifests concatenated — each line's scene is the one its own header names") {
  test::ScratchDir dir;
  const auto a = tiled_scene_at(dir / "in/a/sea.tif", dir / "ta");
  const auto b = tiled_scene_at(dir / "in/b/sea.tif", dir / "tb");
  test::write_text(dir / "both.jsonl",
                   core::read_file(dir / "ta/tiles.jsonl") + core::read_file(dir / "tb/tiles.jsonl"));
  auto tasks = fleet::plan_tasks(options(dir, "tile", {dir / "both.jsonl"}, 100), 0);
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].inputs == std::vector<std::string>{a});
  CHECK(tasks[1].inputs == std::vector<std::string>{b});
  // Two scenes of one name into one output: refused as swath tile refuses them.
  CHECK_THROWS_WITH_AS(fleet::check_tasks(tasks), doctest::Contains("both would be tiled into the directory 'sea'"),
                       core::UsageError);
}

TEST_CASE("enqueue --kind tile: a manifest whose later header is on another grid is refused, naming that header") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "t32");
  tiled_scene(dir, "sea", dir / "t64", 64);
  test::write_text(dir / "both.jsonl", test::concatenated_manifests({dir / "t32", dir / "t64"}));
  CHECK_THROWS_WITH_AS(
      fleet::plan_tasks(options(dir, "tile", {dir / "both.jsonl"}, 100), 0),
      doctest::Contains("both.jsonl:14: a header on the grid size 64, overlap 0, edge pad after one on size 32"),
      core::UsageError);
  CHECK(fleet::plan_tasks(options(dir, "detect", {dir / "both.jsonl"}, 100), 0).size() == 1);  // files: any grid
}

TEST_CASE("enqueue --kind tile: a manifest longer than the read-ahead's chunks, in order; an error names its line") {
  test::ScratchDir dir;
  const auto a = tiled_scene(dir, "a", dir / "ta");
  std::string text = test::manifest_lines(dir / "ta").at(0).dump() + "\n";
  for (int i = 0; i < 10000; ++i) {  // lines as swath tile writes them: members a tile task does not read, skipped
    text += R"({"id":"a/r)" + std::to_string(i) + R"(","scene":"a","index":)" + std::to_string(i) +
            R"(,"window":{"x":0,"y":0,"width":32,"height":32},"status":"written","sha256":"ab\u00e9"})" + "\n";
  }
  test::write_text(dir / "long.jsonl", text);
  const auto tasks = fleet::plan_tasks(options(dir, "tile", {dir / "long.jsonl"}, 1000), 0);
  REQUIRE(tasks.size() == 10);
  std::int64_t next = 0;
  for (const auto& task : tasks) {
    CHECK(task.inputs == std::vector<std::string>{a});
    for (const auto& index : task.options.at("only_indices").as_array()) CHECK(index.as_int() == next++);
  }
  CHECK(next == 10000);

  // Line 9001 torn: refused naming it, though the lines before it were read a chunk ahead.
  const auto cut = text.find(R"({"id":"a/r8999")");
  test::write_text(dir / "torn.jsonl", text.substr(0, cut) + "{\"id\":\"a/r8999\",\"window\":{\"x\":0,}\n" +
                                           text.substr(text.find('\n', cut) + 1));
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, "tile", {dir / "torn.jsonl"}, 1000), 0),
                       doctest::Contains("torn.jsonl:9001: not JSON"), core::DataError);
}

TEST_CASE("enqueue --kind tile or detect: a web-map pyramid's manifest is refused, naming what to enqueue instead") {
  test::ScratchDir dir;
  fs::create_directories(dir / "map");
  test::write_text(dir / "map/tiles.jsonl",
                   R"({"schema":"swath.tiles/1","grid":"xyz","options":{"grid":"xyz"},"scenes":[]})"
                   "\n"
                   R"({"id":"3/1/2","z":3,"x":1,"y":2,"path":"3/1/2.png","status":"written","bytes":5})"
                   "\n");
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, "tile", {dir / "map/tiles.jsonl"}, 1), 0),
                       doctest::Contains("tiles.jsonl:1: a web-map pyramid's manifest"), core::UsageError);
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, "detect", {dir / "map/tiles.jsonl"}, 1), 0),
                       doctest::Contains("a web-map pyramid's manifest"), core::UsageError);
  CHECK(fleet::plan_tasks(options(dir, "noop", {dir / "map/tiles.jsonl"}, 1), 0).size() == 1);
}
