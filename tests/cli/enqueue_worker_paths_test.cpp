// End to end: `swath enqueue --worker-paths` queues paths as the workers (pods) see them, from a machine where
// they do not exist, taken as spelt; a path not in that one spelling is refused (issue 12).
#include <doctest/doctest.h>

#include <set>

#include "cli/fleet_support.hpp"
#include "core/json.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;

TEST_CASE("enqueue --worker-paths: scenes that exist only on the workers are queued as spelt, sharded as asked") {
  test::RedisServer redis;
  const std::vector<std::string> args{
      "enqueue",  "--kind", "tile",  "/data/scenes/a.tif", "/data/scenes/b.tif", "--output", "/data/tiles",
      "--shards", "2",      "--json"};
  // Without the flag, a path missing here is refused (what a user outside the cluster met before).
  auto r = test::swath(with_redis(redis, args));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("input '/data/scenes/a.tif': it does not exist") != std::string::npos);

  auto with_flag = args;
  with_flag.push_back("--worker-paths");
  r = test::swath(with_redis(redis, with_flag));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 4);
  // Each task's record holds its inputs (`r...|INPUTS<tab>slice`, docs/queue.md); the job holds the output.
  std::set<std::string> inputs;
  const auto records = queue_records(redis, "fleet");
  CHECK(records.size() == 4);
  for (const auto& [key, record] : records) {
    const auto payload = record.substr(record.find('|') + 1);
    const auto task_inputs = core::Json::parse(payload.substr(0, payload.find('\t')));
    for (const auto& input : task_inputs.as_array()) inputs.insert(input.as_string());
  }
  CHECK(inputs == std::set<std::string>{"/data/scenes/a.tif", "/data/scenes/b.tif"});
  const auto jobs = test::lines(redis.cli({"ZRANGE", "swath:{fleet}:jobs", "0", "-1"}));
  REQUIRE(jobs.size() == 1);
  CHECK(core::Json::parse(redis.cli({"HGET", "swath:{fleet}:job:" + jobs[0], "meta"})).at("output").as_string() ==
        "/data/tiles");
  // The same work again is the same tasks.
  r = test::swath(with_redis(redis, with_flag));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("duplicates_skipped").as_int() == 4);
}

TEST_CASE("enqueue --worker-paths: a local file at a worker's path is another file, never opened") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "scene.tif", "not a raster here\n");  // the workers' /…/scene.tif is another file
  test::write_text(dir / "shards/tiles.shard-0-of-3.jsonl", "{}\n");
  for (const std::vector<std::string>& kind : {std::vector<std::string>{"--kind", "tile", "--output", dir / "tiles"},
                                               {"--kind", "tile", "--grid", "xyz", "--output", dir / "map"},
                                               {"--kind", "detect", "--output", dir / "found.gpkg"},
                                               // a model card only the workers have
                                               {"--kind", "detect", "--output", dir / "cars.gpkg", "--options",
                                                R"({"detector":"onnx","model":"/data/models/cars.yaml"})"},
                                               // shard manifests of another count in a local directory of that name
                                               {"--kind", "tile", "--shards", "2", "--output", dir / "shards"}}) {
    std::vector<std::string> args{"enqueue", dir / "scene.tif", "--worker-paths", "--json"};
    args.insert(args.begin() + 1, kind.begin(), kind.end());
    const auto r = test::swath(with_redis(redis, args));
    CHECK_MESSAGE(r.exit_code == 0, r.err);
  }
  // A relative model card would be made absolute on this machine: refused as a relative input is.
  const auto r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "detect", "/data/s.tif", "--output", "/data/out", "--worker-paths",
                         "--options", R"({"detector":"onnx","model":"models/cars.yaml"})"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("model 'models/cars.yaml': with --worker-paths a path must be absolute") != std::string::npos);
  // Set in the environment (or a config file), the same.
  const auto from_env =
      test::swath(with_redis(redis, {"enqueue", "--kind", "detect", "/data/s.tif", "--output", "/data/out",
                                     "--worker-paths", "--options", R"({"detector":"onnx"})"}),
                  {.env = {{"SWATH_DETECT__MODEL", "models/cars.yaml"}}});
  CHECK(from_env.exit_code == 2);
  CHECK(from_env.err.find("model 'models/cars.yaml'") != std::string::npos);
}

TEST_CASE("enqueue --worker-paths: relative, unnormalised, glob and manifest paths are refused, nothing queued") {
  test::RedisServer redis;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"scenes/a.tif", "--output", "/data/tiles"},
       "input 'scenes/a.tif': with --worker-paths a path must be absolute and normal"},
      {{"/data/../etc/a.tif", "--output", "/data/tiles"}, "input '/data/../etc/a.tif': with --worker-paths"},
      {{"/data//a.tif", "--output", "/data/tiles"}, "input '/data//a.tif': with --worker-paths"},
      {{"/data/*.tif", "--output", "/data/tiles"}, "input '/data/*.tif': with --worker-paths"},
      {{"/data/a.tif", "--output", "/data/tiles/"}, "--output '/data/tiles/': with --worker-paths"},
      {{"/data/tiles.jsonl", "--output", "/data/tiles"}, "a manifest is read by enqueue itself"},
  };
  for (const auto& [paths, message] : cases) {
    std::vector<std::string> args{"enqueue", "--kind", "tile", "--worker-paths"};
    args.insert(args.end(), paths.begin(), paths.end());
    const auto r = test::swath(with_redis(redis, args));
    CAPTURE(paths.front());
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
  }
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
}
