// End to end: `swath queue job ID` prints a job for people, with the options that apply to its kind and grid (a
// pyramid's without the chips' size, overlap, ...); --json keeps the whole record.
#include <doctest/doctest.h>

#include <algorithm>

#include "cli/fleet_support.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;

namespace {

std::string enqueue_job(const test::RedisServer& redis, std::vector<std::string> args) {
  args.insert(args.begin(), "enqueue");
  args.push_back("--json");
  const auto r = test::swath(with_redis(redis, args));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto jobs = core::Json::parse(r.out).at("jobs").as_array();
  REQUIRE(jobs.size() == 1);
  return jobs.front().as_string();
}

std::vector<std::string> job_text(const test::RedisServer& redis, const std::string& job) {
  const auto r = test::swath(with_redis(redis, {"queue", "job", job}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return test::lines(r.out);
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The option lines ("    KEY: VALUE") whose key is `key`.
bool shows_option(const std::vector<std::string>& lines, const std::string& key) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.rfind("    " + key + ": ", 0) == 0; });
}

}  // namespace

TEST_CASE("cli queue job: text for every kind; a pyramid shows its web-map options, not the chips'") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "strip.tif", {.width = 8000, .height = 16, .bands = 3, .type = GDT_Byte});
  const auto chips = enqueue_job(
      redis, {"--kind", "tile", scene, "--output", dir / "chips", "--options", R"({"size":32,"overlap":4})"});
  const auto pyramid = enqueue_job(redis, {"--kind", "tile", scene, "--output", dir / "xyz", "--grid", "xyz", "--zoom",
                                           "10-15", "--shards", "2", "--options", R"({"max_memory":"16MiB"})"});
  const auto noop = enqueue_job(redis, {"--kind", "noop", scene, "--output", dir / "noop"});

  for (const auto& job : {chips, pyramid, noop}) {
    CAPTURE(job);
    const auto lines = job_text(redis, job);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.front() == "job " + job);  // text, not JSON
    CHECK(std::none_of(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind('{', 0) == 0; }));
  }

  auto lines = job_text(redis, chips);
  CHECK(has(lines, "  kind: tile"));
  CHECK(has(lines, "  output: " + (dir / "chips")));
  CHECK(has(lines, "  tasks: 1 (1 waiting, 0 running, 0 finishing, 0 done, 0 dead)"));
  CHECK(has(lines, "    size: 32"));
  CHECK(has(lines, "    overlap: 4"));
  for (const char* key : {"edge", "format", "bands", "scale", "skip_blank"}) CHECK(shows_option(lines, key));

  lines = job_text(redis, pyramid);
  CHECK(has(lines, "  kind: tile (xyz pyramid)"));
  CHECK(has(lines, "    grid: xyz"));
  CHECK(has(lines, "    zoom: 10-15"));
  CHECK(has(lines, "    format: PNG"));
  CHECK(has(lines, "    max_memory: 16MiB"));
  for (const char* key : {"resampling", "tile_size", "creation_options"}) CHECK(shows_option(lines, key));
  for (const char* key : {"size", "overlap", "edge", "bands", "scale", "skip_blank", "shard", "merge_shards"}) {
    CAPTURE(key);
    CHECK_FALSE(shows_option(lines, key));
  }
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return l.rfind("  held: ", 0) == 0; }));

  lines = job_text(redis, noop);
  CHECK(has(lines, "  kind: noop"));

  // An option left to its default says so (a pyramid's zooms are then the scene's own), not an empty value.
  const auto default_zooms =
      enqueue_job(redis, {"--kind", "tile", scene, "--output", dir / "xyz-default", "--grid", "xyz", "--shards", "2"});
  lines = job_text(redis, default_zooms);
  CHECK(has(lines, "    zoom: (default)"));

  // --json: the full record, the chips' options included.
  const auto r = test::swath(with_redis(redis, {"queue", "job", pyramid, "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto json = core::Json::parse(r.out);
  CHECK(json.at("schema").as_string() == "swath.queue.job/1");
  CHECK(json.at("options").find("size") != nullptr);
  CHECK(json.at("options").at("zoom").as_string() == "10-15");
}
