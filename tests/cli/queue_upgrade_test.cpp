// End to end: claims a layout-2 swath recorded (`tile /DIR/FILE options#REF`, all in one hash) are honoured after
// the upgrade: the same work is the same, other work is refused naming both, each in its own texts.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "cli/fleet_support.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

namespace {

test::RunResult enqueue(const test::RedisServer& redis, const std::string& scene, const std::string& out,
                        const std::string& options) {
  return test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", out, "--options", options}));
}

}  // namespace

TEST_CASE("cli queue upgrade: a claim of layout 2 is the same work in its old spelling; other work is refused") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "in");
  std::vector<std::string> scenes;
  for (const char* name : {"a.tif", "b.tif", "c.tif"})
    scenes.push_back(test::make_scene(dir / (std::string("in/") + name)));
  const std::string out = dir / "out", size = R"({"size":32})";
  for (const auto& scene : scenes) REQUIRE(enqueue(redis, scene, out, size).exit_code == 0);
  // What this build claims: `tile @DREF/a.tif #OREF`; 2880993 claimed the same work as `tile /DIR/a.tif options#OREF`
  // in the hash `claims`, with the options' text under `options#OREF` (the same SHA-256 prefix).
  const auto claim = redis.claim("fleet", out + "/a");
  const std::string shape_ref = claim.substr(claim.rfind(' ') + 1), legacy_ref = "options" + shape_ref;
  REQUIRE(shape_ref.rfind("#", 0) == 0);
  const std::string shape = redis.cli({"HGET", "swath:{fleet}:claim_texts", shape_ref});
  std::istringstream claim_keys(redis.cli({"KEYS", "swath:{fleet}:claim*"}));
  for (std::string key; std::getline(claim_keys, key);) redis.cli({"DEL", key});
  redis.cli({"SET", "swath:{fleet}:layout", "2"});
  for (std::size_t i = 0; i < scenes.size(); ++i) {
    redis.cli({"HSET", "swath:{fleet}:claims", out + "/" + std::string(1, static_cast<char>('a' + i)),
               "tile " + scenes[i] + " " + legacy_ref});
  }
  redis.cli({"HSET", "swath:{fleet}:claim_texts", legacy_ref, shape});

  // The same work again: a duplicate, its claim now in this build's spelling. Scene b's after a's recorded `#OREF`,
  // a reference that is the end of `options#OREF`: the old text is still read whole.
  for (const auto& scene : {scenes[0], scenes[1]}) {
    CAPTURE(scene);
    const auto r = enqueue(redis, scene, out, size);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("1 duplicates skipped") != std::string::npos);
  }
  CHECK(redis.claim("fleet", out + "/b").rfind("tile @", 0) == 0);
  CHECK(redis.cli({"HEXISTS", "swath:{fleet}:claims", out + "/b"}) == "0");

  // Other work where layout 2 claimed c: refused, each side in its own options.
  const auto r = enqueue(redis, scenes[2], out, R"({"size":32,"overlap":8})");
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("other work was enqueued there earlier on queue 'fleet': tile " + scenes[2] +
                   R"( {"size":32,"overlap":0,)") != std::string::npos);
  CHECK(r.err.find("; this is tile " + scenes[2] + R"( {"size":32,"overlap":8,)") != std::string::npos);
  CHECK(redis.cli({"HGET", "swath:{fleet}:claims", out + "/c"}) == "tile " + scenes[2] + " " + legacy_ref);
}

TEST_CASE("cli queue migrate: a Redis out of memory is said to be one (exit 1), not a damaged queue") {
  test::RedisServer redis;
  // Filled to its maxmemory under noeviction: a script that writes is refused whole.
  redis.cli({"SET", "filler", std::string(200000, 'x')});
  redis.cli({"CONFIG", "SET", "maxmemory", "1"});
  const auto r = test::swath(with_redis(redis, {"queue", "migrate"}));
  redis.cli({"CONFIG", "SET", "maxmemory", "0"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("Redis is out of memory (maxmemory)") != std::string::npos, r.err);
  CHECK(r.err.find("key space shared") == std::string::npos);
  CHECK(redis.cli({"EXISTS", "swath:{fleet}:bucketed"}) == "0");
}

TEST_CASE("cli queue migrate: new jobs bucketed from then on; a second run says so; a newer layout is refused") {
  test::RedisServer redis;
  test::ScratchDir dir;
  auto r = test::swath(with_redis(redis, {"queue", "migrate"}));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("queue 'fleet': migrated: its new jobs spread their task records over buckets") !=
        std::string::npos);
  // Nothing was ever enqueued on it: allowed (a queue made ready before its first job), but said, as a mistyped
  // --queue looks the same.
  CHECK(r.err.find("queue 'fleet' has never been used on this server (nothing was enqueued on it); it holds no swath "
                   "queue; marked for buckets ahead of its first job") != std::string::npos);
  CHECK(redis.cli({"GET", "swath:{fleet}:layout"}) == "3");
  CHECK(redis.cli({"GET", "swath:{fleet}:bucketed"}) == "1");

  r = test::swath(with_redis(redis, {"queue", "migrate"}));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("queue 'fleet': already migrated") != std::string::npos);
  r = test::swath(with_redis(redis, {"queue", "migrate", "--json"}));
  CHECK(r.exit_code == 0);
  const auto json = core::Json::parse(r.out);
  CHECK(json.at("queue").as_string() == "fleet");
  CHECK(json.at("layout").as_int() == 3);
  CHECK(json.at("bucketed").as_bool());
  CHECK(json.at("already_migrated").as_bool());
  CHECK(json.at("never_used").as_bool());

  // A newer swath's layout: migrate, stats, enqueue and a worker refuse (exit 1), naming it; nothing changes.
  redis.cli({"SET", "swath:{fleet}:layout", "4"});
  const std::string scene = test::make_scene(dir / "a.tif");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"queue", "migrate"},
                                             {"queue", "stats"},
                                             {"worker", "--exit-when-empty"},
                                             {"enqueue", "--kind", "tile", scene, "--output", dir / "out"}}) {
    CAPTURE(args.front());
    r = test::swath(with_redis(redis, args));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("queue layout 4") != std::string::npos);
  }
  CHECK(redis.cli({"GET", "swath:{fleet}:layout"}) == "4");
  CHECK(redis.cli({"EXISTS", "swath:{fleet}:ready"}) == "0");
}

TEST_CASE("cli queue migrate: a queue in use is migrated without the never-used warning") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath(
              with_redis(redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/Makefile", "--output", dir / "out"}))
              .exit_code == 0);
  const auto r = test::swath(with_redis(redis, {"queue", "migrate", "--json"}));
  CHECK(r.exit_code == 0);
  CHECK_FALSE(core::Json::parse(r.out).at("never_used").as_bool());
  CHECK(r.err.find("never been used") == std::string::npos);
}

TEST_CASE(
    "cli queue upgrade: a running worker stops (exit 1, naming the layout) when a newer swath lays the queue out") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/CMakeLists.txt",
                                         SWATH_SOURCE_DIR "/Makefile", "--output", dir / "out", "--options",
                                         R"({"sleep_ms":2000})"}))
              .exit_code == 0);
  test::Background worker(
      {SWATH_BINARY, "worker", "--redis", redis.url(), "--queue", "fleet", "--exit-when-empty", "--concurrency", "1"});
  wait_until([&] { return redis.cli({"ZCARD", "swath:{fleet}:leased"}) == "1"; });
  redis.cli({"SET", "swath:{fleet}:layout", "4"});  // what a newer swath's enqueue would do meanwhile
  const auto r = worker.wait();
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("it is in queue layout 4 now") != std::string::npos);
  CHECK(redis.cli({"HGET", "swath:{fleet}:stats", "done"}).empty());  // its commit was refused too: nothing done
}
