// End to end: `swath enqueue --kind tile --grid xyz --shards N` — N shard tasks and their held merge, run by two
// workers, give every file of one machine's `swath tile --grid xyz`, byte for byte; what `swath tile --shard` refuses
// is refused at enqueue.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <map>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> enqueue(const test::RedisServer& redis, const std::string& scene, const std::string& output,
                                 std::vector<std::string> more) {
  std::vector<std::string> args = {"enqueue", "--kind", "tile", scene, "--output", output, "--grid", "xyz"};
  args.insert(args.end(), more.begin(), more.end());
  return with_redis(redis, args);
}

}  // namespace

TEST_CASE("fleet tile --grid xyz --shards 3: two workers make one machine's pyramid, every file byte for byte") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::strip_scene(dir / "strip.tif");
  // 16MiB: blocks of 2×2 base tiles (root zoom 14), so 3 shards split at zoom 14 and the merge makes zooms 10-13.
  auto r = test::swath({"tile", scene, "-o", dir / "one", "--grid", "xyz", "--zoom", "10-15", "--max-memory", "16MiB"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto expected = test::pyramid_files(dir / "one");
  REQUIRE(expected.count("tiles.jsonl") == 1);
  REQUIRE(expected.count("tilejson.json") == 1);
  REQUIRE(expected.size() > 100);

  r = test::swath(enqueue(redis, scene, dir / "fleet",
                          {"--zoom", "10-15", "--shards", "3", "--options", R"({"max_memory":"16MiB"})", "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 4);  // 3 shards and the merge
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "3");      // the merge is held

  test::Background one(binary(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"})));
  test::Background two(binary(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"})));
  const auto a = one.wait(), b = two.wait();
  REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  REQUIRE_MESSAGE(b.exit_code == 0, b.err);
  CHECK(core::Json::parse(a.out).at("committed").as_int() + core::Json::parse(b.out).at("committed").as_int() == 4);

  const auto fleet = test::pyramid_files(dir / "fleet");
  CHECK(fleet.size() == expected.size());
  for (const auto& [name, bytes] : expected) {
    CAPTURE(name);
    REQUIRE(fleet.count(name) == 1);
    CHECK(fleet.at(name) == bytes);
  }
  CHECK(fleet == expected);
  CHECK(done_records(dir / "fleet").size() == 4);
  CHECK(hidden_entries(dir / "fleet").empty());  // no staging directory or temporary left

  r = test::swath(with_redis(redis, {"queue", "jobs", "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto job = core::Json::parse(test::lines(r.out).at(0));
  CHECK(job.at("done").as_int() == 4);
  CHECK(job.find("held") == nullptr);
}

TEST_CASE("fleet tile --grid xyz: what swath tile --shard refuses is refused at enqueue, nothing queued") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::strip_scene(dir / "strip.tif");
  const auto refused = [&](std::vector<std::string> args, const std::string& why) {
    CAPTURE(why);
    const auto r = test::swath(std::move(args));
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(contains(r.err, why), r.err);
  };
  refused(enqueue(redis, scene, dir / "out", {"--shards", "0"}), "--shards: '0' must be 1 or more");
  refused(enqueue(redis, scene, dir / "out", {"--shards", "5000"}), "a pyramid is split into at most 1024 shards");
  refused(enqueue(redis, scene, dir / "out.pmtiles", {"--shards", "2"}), "not into a PMTiles archive");
  refused(enqueue(redis, scene, dir / "out", {"--shards", "2", "--options", R"({"format":"JPEG"})"}),
          "which only PNG gives back exactly");
  refused(enqueue(redis, scene, dir / "out", {"--zoom", "20-3"}), "zoom '20-3': the range is inverted");
  refused(with_redis(redis, {"enqueue", "--kind", "detect", scene, "--output", dir / "out", "--shards", "2"}),
          "only tile tasks are split into shards");
  const auto flat = test::make_scene(dir / "flat.tif", {.width = 64, .height = 64, .georeferenced = false});
  refused(enqueue(redis, flat, dir / "out", {"--shards", "2"}), "a web-map pyramid needs a place on Earth");
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
  CHECK(redis.cli({"EXISTS", "swath:{fleet}:jobs"}) == "0");

  // A directory holding another pyramid (made by one machine): refused as `swath tile` refuses it.
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--grid", "xyz", "--zoom", "11-13"}).exit_code == 0);
  refused(enqueue(redis, scene, dir / "local", {"--zoom", "11-12", "--shards", "2"}),
          "it holds the tiles of a run with other options");
  // Shards of another count, queued on this queue or already in the directory: the merge takes one count.
  REQUIRE(test::swath(enqueue(redis, scene, dir / "four", {"--zoom", "11-12", "--shards", "4"})).exit_code == 0);
  refused(enqueue(redis, scene, dir / "four", {"--zoom", "11-12", "--shards", "3"}), "in 4 shards; this is");
  REQUIRE(test::swath({"tile", scene, "-o", dir / "shard", "--grid", "xyz", "--zoom", "11-12", "--shard", "0/4"})
              .exit_code == 0);
  refused(enqueue(redis, scene, dir / "shard", {"--zoom", "11-12", "--shards", "3"}),
          "it holds the tiles of a run in 4 shards");
  CHECK(test::swath(enqueue(redis, scene, dir / "shard", {"--zoom", "11-12", "--shards", "4"})).exit_code == 0);
}

TEST_CASE("fleet tile --grid xyz: a worker killed while it stages a shard; the shard runs again, the same bytes") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::strip_scene(dir / "strip.tif");
  auto r = test::swath({"tile", scene, "-o", dir / "one", "--grid", "xyz", "--zoom", "10-16", "--max-memory", "16MiB"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = test::swath(enqueue(redis, scene, dir / "fleet",
                          {"--zoom", "10-16", "--shards", "2", "--options", R"({"max_memory":"16MiB"})"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::vector<std::string> worker = {"worker", "--exit-when-empty", "--threads", "1", "--lease", "2"};
  {
    test::Background doomed(binary(with_redis(redis, worker)));
    // Killed once it has staged tiles: a shard half written in its attempt's directory, its lease left to expire.
    wait_until([&] {
      std::size_t n = 0;
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(dir / "fleet/.swath-staging", ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        n += it->path().extension() == ".png";
      return n > 0 || !doomed.running();  // (a machine fast enough to finish first still checks the bytes)
    });
    doomed.signal(SIGKILL);
    doomed.wait();
  }
  r = test::swath(with_redis(redis, worker));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(test::pyramid_files(dir / "fleet") == test::pyramid_files(dir / "one"));
  CHECK(hidden_entries(dir / "fleet").empty());  // the killed attempt's staging directory is gone too
  CHECK(done_records(dir / "fleet").size() == 3);
}
