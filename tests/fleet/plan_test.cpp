// fleet::plan_tasks from paths, globs and tiles.jsonl manifests (no Redis): ids, batches, spans, errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "core/errors.hpp"
#include "fleet/plan.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

fleet::PlanOptions options(const test::ScratchDir& dir, std::vector<std::string> inputs) {
  fleet::PlanOptions o;
  o.kind = "tile";
  o.inputs = std::move(inputs);
  o.output = dir / "out";
  o.trace = log::TraceContext::new_root();
  return o;
}

}  // namespace

TEST_CASE("enqueue: a glob and a path naming the same scene give one task with a child span of the caller") {
  test::ScratchDir dir;
  test::write_text(dir / "a.tif", "a");
  test::write_text(dir / "b.tif", "b");
  auto o = options(dir, {dir / "*.tif", dir / "a.tif"});
  o.deadline_seconds = 60;
  const auto tasks = fleet::plan_tasks(o, 1000);
  REQUIRE(tasks.size() == 2);
  std::set<std::string> spans;
  for (const auto& t : tasks) {
    CHECK(t.traceparent.substr(3, 32) == o.trace.trace_id);
    spans.insert(t.traceparent.substr(36, 16));
    CHECK(t.enqueued_at_ms == 1000);
    CHECK(t.deadline_ms == 61000);
  }
  CHECK(spans.size() == 2);
  CHECK(spans.count(o.trace.span_id) == 0);
  CHECK(fleet::plan_tasks(o, 5).at(0).id == tasks.at(0).id);  // deterministic
}

TEST_CASE("enqueue: a tiles.jsonl manifest becomes one task per K tiles, inputs from the tiles' scenes") {
  test::ScratchDir dir;
  test::write_text(dir / "tiles.jsonl",
                   "{\"scene\":\"/s/a.tif\",\"tile\":\"0_0\"}\n{\"scene\":\"/s/a.tif\",\"tile\":\"0_1\"}\n\n"
                   "{\"scene\":\"/s/b.tif\",\"tile\":\"0_0\"}\n");
  auto o = options(dir, {dir / "tiles.jsonl"});
  o.kind = "noop";  // a tile task would need the scenes to exist
  CHECK(fleet::plan_tasks(o, 0).size() == 3);
  o.tiles_per_task = 2;
  const auto tasks = fleet::plan_tasks(o, 0);
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].inputs == std::vector<std::string>{"/s/a.tif"});
  CHECK(tasks[0].options.at("tiles").as_array().size() == 2);
  CHECK(tasks[1].inputs == std::vector<std::string>{"/s/b.tif"});
}

TEST_CASE("enqueue: --tiles-per-task without a manifest among the inputs is refused, not ignored") {
  test::ScratchDir dir;
  test::write_text(dir / "a.tif", "a");
  auto o = options(dir, {dir / "a.tif"});
  o.tiles_per_task = 4;
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(o, 0), doctest::Contains("--tiles-per-task 4: it batches the lines"),
                       core::UsageError);
  o.kind = "noop";
  o.worker_paths = true;
  o.inputs = {"/data/a.tif"};
  CHECK_THROWS_AS(fleet::plan_tasks(o, 0), core::UsageError);
  o.inputs = {"/data/tiles.jsonl"};  // refused as a manifest, by name
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(o, 0), doctest::Contains("a manifest is read by enqueue itself"),
                       core::UsageError);
}

TEST_CASE("enqueue: --shards with a manifest among the inputs is refused, not ignored") {
  test::ScratchDir dir;
  test::write_text(dir / "tiles.jsonl", "{\"scene\":\"/s/a.tif\",\"tile\":\"0_0\"}\n");
  auto o = options(dir, {dir / "tiles.jsonl"});
  o.kind = "noop";
  o.shards = 3;
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(o, 0), doctest::Contains("--shards 3: it splits scenes"), core::UsageError);
}

TEST_CASE("enqueue: bad inputs are named") {
  test::ScratchDir dir;
  test::write_text(dir / "bad.jsonl", "{\"scene\":\"/s/a.tif\"}\n{oops\n");
  auto from_bad = options(dir, {dir / "bad.jsonl"});
  from_bad.kind = "noop";  // a tile task would need the scenes to exist
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(from_bad, 0), doctest::Contains("bad.jsonl:2: not JSON"), core::DataError);
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, {dir / "none*.tif"}), 0), doctest::Contains("matches no file"),
                       core::UsageError);
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, {dir / "x.tif"}), 0), doctest::Contains("does not exist"),
                       core::UsageError);
  CHECK_THROWS_AS(fleet::plan_tasks(options(dir, {}), 0), core::UsageError);
  CHECK(fleet::plan_tasks(options(dir, {"/vsis3/bucket/scene.tif"}), 0).at(0).inputs.at(0) ==
        "/vsis3/bucket/scene.tif");
}

TEST_CASE("enqueue: --shards N makes N tile tasks per scene, shard I/N each; a manifest's header is not a tile") {
  test::ScratchDir dir;
  test::write_text(dir / "a.tif", "a");
  auto o = options(dir, {dir / "a.tif"});
  o.options = core::Json::Object{{"size", 64}};
  o.shards = 3;
  const auto tasks = fleet::plan_tasks(o, 0);
  REQUIRE(tasks.size() == 3);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    CHECK(tasks[i].options.at("shard").as_string() == std::to_string(i) + "/3");
    CHECK(tasks[i].options.at("size").as_int() == 64);
    ids.insert(tasks[i].id);
  }
  CHECK(ids.size() == 3);
  o.kind = "detect";
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(o, 0), doctest::Contains("only tile tasks"), core::UsageError);

  test::write_text(dir / "tiles.jsonl",
                   "{\"schema\":\"swath.tiles/1\",\"scenes\":[]}\n{\"id\":\"t0\",\"scene\":\"a.tif\",\"index\":0}\n");
  o = options(dir, {dir / "tiles.jsonl"});
  o.kind = "noop";
  const auto from_manifest = fleet::plan_tasks(o, 0);
  REQUIRE(from_manifest.size() == 1);
  CHECK(from_manifest[0].options.at("tiles").as_array().size() == 1);
}

TEST_CASE("enqueue: a hand-made manifest naming scene paths still makes tile tasks; an unknown scene is refused") {
  test::ScratchDir dir;
  test::write_text(dir / "a.tif", "a");
  test::write_text(dir / "names.jsonl",
                   "{\"schema\":\"swath.tiles/1\"}\n{\"id\":\"t0\",\"scene\":\"a\",\"index\":0}\n");
  CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, {dir / "names.jsonl"}), 0),
                       doctest::Contains("names.jsonl:2: scene 'a': is not a file, nor a scene with a \"source\""),
                       core::UsageError);
  test::write_text(dir / "paths.jsonl", "{\"id\":\"t0\",\"scene\":\"" + (dir / "a.tif") + "\",\"index\":3}\n");
  const auto tasks = fleet::plan_tasks(options(dir, {dir / "paths.jsonl"}), 0);
  REQUIRE(tasks.size() == 1);
  CHECK(tasks[0].inputs == std::vector<std::string>{dir / "a.tif"});
}

TEST_CASE(
    "enqueue: inputs and output are spelt one way, so a symlinked directory or a trailing slash is the same task") {
  test::ScratchDir dir;
  test::write_text(dir / "in/a.tif", "a");
  std::filesystem::create_directory_symlink(dir / "in", dir / "link");
  const auto first = fleet::plan_tasks(options(dir, {dir / "in/a.tif"}), 0);
  auto spelt = options(dir, {dir / "link/a.tif"});
  spelt.output = dir / "out/";
  const auto second = fleet::plan_tasks(spelt, 0);
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  CHECK(second[0].inputs == first[0].inputs);
  CHECK(second[0].output == first[0].output);
  CHECK(second[0].id == first[0].id);
  CHECK(first[0].output.back() != '/');
}

TEST_CASE("enqueue: a pyramid (grid xyz) is N shard tasks of all the scenes, then its merge, held, in one job") {
  test::ScratchDir dir;
  test::write_text(dir / "a.tif", "a");
  test::write_text(dir / "b.tif", "b");
  auto o = options(dir, {dir / "*.tif", dir / "a.tif"});
  o.options = core::Json::Object{{"grid", "xyz"}, {"format", "PNG"}, {"shard", ""}};
  o.shards = 3;
  const auto tasks = fleet::plan_tasks(o, 0);
  REQUIRE(tasks.size() == 4);
  const auto scenes = tasks[0].inputs;  // mosaicked: every task has both scenes, once
  REQUIRE(scenes.size() == 2);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    CAPTURE(i);
    CHECK(tasks[i].inputs == scenes);
    CHECK(tasks[i].job == tasks[0].job);
    CHECK(tasks[i].held == (i == 3));
  }
  CHECK(tasks[1].options.at("shard").as_string() == "1/3");
  CHECK(tasks[3].options.find("shard") == nullptr);
  CHECK(tasks[3].options.at("merge_shards").as_int() == 3);
  CHECK(tasks[3].slice_keys == std::vector<std::string>{"merge_shards"});
  o.inputs = {dir / "tiles.jsonl"};
  test::write_text(dir / "tiles.jsonl", "{}\n");
  CHECK_THROWS_AS(fleet::plan_tasks(o, 0), core::UsageError);  // a pyramid is made from scenes
}

TEST_CASE("fleet plan: a scene that is a looping or dangling link is refused naming it, not an internal error") {
  test::ScratchDir dir;
  std::filesystem::create_symlink("b.tif", dir / "a.tif");
  std::filesystem::create_symlink("a.tif", dir / "b.tif");
  std::filesystem::create_symlink("gone.tif", dir / "dangling.tif");
  for (const std::string name : {"a.tif", "dangling.tif"}) {
    CAPTURE(name);
    CHECK_THROWS_WITH_AS(fleet::plan_tasks(options(dir, {dir / name}), 0),
                         doctest::Contains("': a symbolic link to no file (its target is missing, or loops)"),
                         core::UsageError);
  }
}
