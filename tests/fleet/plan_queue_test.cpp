// fleet::plan_queue, what `swath enqueue` sends: a manifest's batches planned without a Task each must give the
// very ids, payloads, jobs and order that plan_tasks' Tasks give (a queue's dedup and exactly-once rest on ids).
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "fleet/claim_spelling.hpp"
#include "fleet/enqueue_check.hpp"
#include "fleet/plan.hpp"
#include "queue/claims.hpp"
#include "queue/connection.hpp"
#include "queue/keys.hpp"
#include "queue/redis_url.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// 100 x 70 px in 32 px tiles: 12 tiles, the first column blank (nodata).
std::string tiled_scene(const test::ScratchDir& dir, const std::string& name, const std::string& output) {
  test::SceneSpec spec;
  spec.width = 100;
  spec.height = 70;
  spec.nodata = 0;
  spec.pixel = [](int b, int x, int y) { return x < 32 ? 0 : b * 1000 + x + y; };
  fs::create_directories(dir / "in");
  const auto scene = test::make_scene(dir / ("in/" + name + ".tif"), spec);
  auto options = test::tile_options(scene, output, 32);
  options.skip_blank = 1.0;
  (void)tiling::tile_scenes(options);
  return scene;
}

// A job's meta without its trace span (each planning draws new spans); the trace id must be the caller's.
core::Json without_span(const std::string& meta, const std::string& trace_id) {
  const auto json = core::Json::parse(meta);
  CHECK(json.at("traceparent").as_string().substr(3, 32) == trace_id);
  core::Json out = core::Json::object();
  for (const auto& [key, value] : json.as_object()) {
    if (key != "traceparent") out.set(key, value);
  }
  return out;
}

void check_same_as_tasks(const fleet::PlanOptions& options) {
  CAPTURE(options.kind);
  CAPTURE(options.tiles_per_task);
  CAPTURE(options.options.dump());
  const auto tasks = fleet::plan_tasks(options, 1000);
  const auto [jobs, rows] = queue::queued(tasks);
  const auto plan = fleet::plan_queue(options, 1000);
  REQUIRE(plan.queued.tasks.size() == rows.size());
  REQUIRE(!rows.empty());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    CHECK(plan.queued.tasks[i].id == rows[i].id);
    CHECK(plan.queued.tasks[i].payload == rows[i].payload);
    CHECK(plan.queued.tasks[i].job == rows[i].job);
    CHECK(plan.queued.tasks[i].priority == rows[i].priority);
  }
  REQUIRE(plan.queued.jobs.size() == jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    CHECK(plan.queued.jobs[j].id == jobs[j].id);
    CHECK(without_span(plan.queued.jobs[j].meta, options.trace.trace_id) ==
          without_span(jobs[j].meta, options.trace.trace_id));
  }
}

}  // namespace

TEST_CASE("enqueue plans manifests without a Task per batch: the same ids, payloads, jobs and order as plan_tasks") {
  test::ScratchDir dir;
  const auto a = tiled_scene(dir, "a", dir / "ta");
  tiled_scene(dir, "b", dir / "tb");
  test::write_text(dir / "both.jsonl", test::concatenated_manifests({dir / "ta", dir / "tb"}));
  fleet::PlanOptions o;
  o.output = dir / "out";
  o.trace = log::TraceContext::new_root();
  o.deadline_seconds = 60;
  for (const char* kind : {"tile", "detect", "noop", "checksum"}) {
    for (const std::size_t k : {1, 5}) {
      o.kind = kind;
      o.tiles_per_task = k;
      o.options = core::Json::object();
      // Two manifests, the same one again (each task once), a scene between them: in the order given.
      o.inputs = {dir / "both.jsonl", a, dir / "ta/tiles.jsonl"};
      check_same_as_tasks(o);
    }
  }
  // A shard in the options stays in every task's slice, before the batch's lines; options holding a key a
  // batch sets ("tiles") are replaced by the batch's.
  o.kind = "noop";
  o.options = core::Json::parse(R"({"x":1,"shard":"1/2"})");
  check_same_as_tasks(o);
  o.options = core::Json::parse(R"({"tiles":[7],"y":2})");
  check_same_as_tasks(o);
  o.options = core::Json::object();
  o.priority = queue::Priority::high;
  check_same_as_tasks(o);
}

TEST_CASE(
    "enqueue plans manifests without a Task per batch: what stands for the work refuses what check_tasks refuses") {
  test::ScratchDir dir;
  tiled_scene(dir, "sea", dir / "t32");
  fleet::PlanOptions o;
  o.kind = "tile";
  o.output = dir / "out";
  o.tiles_per_task = 5;
  o.options = core::Json::parse(R"({"size":32,"overlap":0,"edge":"pad","format":"GTiff"})");
  o.inputs = {dir / "t32/tiles.jsonl"};
  auto plan = fleet::plan_queue(o, 0);
  REQUIRE(plan.checked.size() == 1);  // one scene: one task selecting the largest index of its 12 tiles
  CHECK(plan.checked[0].options.at("only_indices").dump() == "[11]");
  fleet::check_tasks(plan.checked);
  // The scene's directory, the output's chips, and how the scene's tiles are listed (in batches of 5).
  const auto claims = queue::plan_claims(plan.checked);
  REQUIRE(claims.size() == 3);
  CHECK(claims[2].value == "sea.tif listed in batches of 5 tiles");
  // A line whose index lies outside the scene's grid: refused as when every batch was a task.
  std::string text = core::read_file(dir / "t32/tiles.jsonl");
  text += "{\"id\":\"sea/r9\",\"scene\":\"sea\",\"index\":99,\"status\":\"written\",\"path\":\"sea/r9.tif\"}\n";
  test::write_text(dir / "t32/tiles.jsonl", text);
  plan = fleet::plan_queue(o, 0);
  CHECK_THROWS_WITH_AS(fleet::check_tasks(plan.checked), doctest::Contains("tile index 99"), core::UsageError);
}

TEST_CASE("enqueue planning stops on Ctrl-C (core::Interrupted, before anything is sent): a manifest, a glob") {
  test::ScratchDir dir;
  std::string lines;
  for (int i = 0; i < 5000; ++i) lines += "{\"i\":" + std::to_string(i) + "}\n";
  test::write_text(dir / "many.jsonl", lines);
  test::write_text(dir / "a.txt", "x");
  fleet::PlanOptions o;
  o.kind = "noop";
  o.output = dir / "out";
  struct Reset {
    ~Reset() { core::reset_cancel(); }
  } reset;
  for (const auto& [input, tasks] : {std::pair{dir / "many.jsonl", 5000U}, std::pair{dir / "*.txt", 1U}}) {
    CAPTURE(input);
    o.inputs = {input};
    CHECK(fleet::plan_queue(o, 0).queued.tasks.size() == tasks);
    core::request_cancel(SIGINT);
    CHECK_THROWS_WITH_AS(fleet::plan_queue(o, 0), doctest::Contains("planning interrupted"), core::Interrupted);
    core::reset_cancel();
  }
}

TEST_CASE("enqueue claims: an older claim of the same work, its creation options as given, is the same work") {
  CHECK(fleet::claim_spelling(R"(chips {"creation_options":["predictor=2","COMPRESS=deflate"],"size":"64"})") ==
        R"(chips {"creation_options":["COMPRESS=deflate","PREDICTOR=2"],"size":"64"})");
  CHECK(fleet::claim_spelling(R"(tile @a/b.tif #r)") == R"(tile @a/b.tif #r)");
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  const queue::Keys keys("q");
  const std::string location = "/out/tiles.*.jsonl";
  const queue::Claim older{location, "chips #old", {{"#old", R"({"creation_options":["predictor=2","COMPRESS=x"]})"}}};
  const queue::Claim now{location, "chips #new", {{"#new", R"({"creation_options":["COMPRESS=x","PREDICTOR=2"]})"}}};
  REQUIRE(queue::record_claims(connection, keys, {older}, false).empty());
  CHECK(queue::record_claims(connection, keys, {now}, false).size() == 1);  // as text: other work
  CHECK(queue::record_claims(connection, keys, {now}, false, 500, fleet::claim_spelling).empty());  // was: refused
  const queue::Claim other{location, "chips #lzw", {{"#lzw", R"({"creation_options":["COMPRESS=LZW"]})"}}};
  CHECK(queue::record_claims(connection, keys, {other}, false, 500, fleet::claim_spelling).size() == 1);
}
