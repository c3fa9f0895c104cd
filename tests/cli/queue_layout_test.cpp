// End to end: a queue a newer swath laid out (its layout key names a layout this build does not read) is refused by
// every command that reads it, and by a worker at its next lease renewal, each exiting 1 and naming the layout.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "cli/fleet_support.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;

TEST_CASE("cli queue layout: stats, jobs, job, dead list and dead retry refuse a queue in a newer layout") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto enqueued = test::swath(with_redis(
      redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/CMakeLists.txt", "--output", dir / "out", "--json"}));
  REQUIRE_MESSAGE(enqueued.exit_code == 0, enqueued.err);
  const std::string job = redis.cli({"ZRANGE", "swath:{fleet}:jobs", "0", "0"});
  REQUIRE_FALSE(job.empty());
  redis.cli({"RPUSH", "swath:{fleet}:dead", job + ":0123456789abcdef"});

  redis.cli({"SET", "swath:{fleet}:layout", "5"});
  for (const auto& args : std::vector<std::vector<std::string>>{{"queue", "stats"},
                                                                {"queue", "stats", "--json"},
                                                                {"queue", "jobs"},
                                                                {"queue", "job", job},
                                                                {"queue", "dead", "list"},
                                                                {"queue", "dead", "retry", "0123456789abcdef"},
                                                                {"queue", "dead", "purge", "--all"}}) {
    CAPTURE(args);
    const auto r = test::swath(with_redis(redis, args));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("queue layout 5") != std::string::npos);
    CHECK(r.err.find("this swath reads layouts 2 and 3") != std::string::npos);
    // Nothing read into a report; with --json the error as a document (swath.error/1) instead.
    if (std::find(args.begin(), args.end(), "--json") == args.end()) {
      CHECK(r.out.empty());
    } else {
      CHECK(core::Json::parse(r.out).at("schema").as_string() == "swath.error/1");
    }
  }
  // Nothing was read into a report, nor changed.
  CHECK(redis.cli({"LLEN", "swath:{fleet}:dead"}) == "1");
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "1");
  CHECK(redis.cli({"GET", "swath:{fleet}:layout"}) == "5");
}

TEST_CASE(
    "cli queue layout: a worker renewing a lease stops (exit 1, naming the layout) without waiting for its task") {
  test::RedisServer redis;
  test::ScratchDir dir;
  // A task that would run for ten minutes: the worker may only stop early because its renewal is refused.
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/CMakeLists.txt", "--output",
                                         dir / "out", "--options", R"({"sleep_ms":600000})"}))
              .exit_code == 0);
  test::Background worker({SWATH_BINARY, "worker", "--redis", redis.url(), "--queue", "fleet", "--exit-when-empty",
                           "--concurrency", "1", "--lease", "0.3", "--task-timeout", "1200"});
  wait_until([&] { return redis.cli({"ZCARD", "swath:{fleet}:leased"}) == "1"; });
  redis.cli({"SET", "swath:{fleet}:layout", "4"});  // what a newer swath's enqueue would do meanwhile
  // A guard against a worker that keeps running its task (it would run for ten minutes), not a timing check.
  const auto r = worker.wait(std::chrono::seconds(120));
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("it is in queue layout 4 now") != std::string::npos);
  CHECK(r.err.find("unreachable") == std::string::npos);  // the refusal as it is, not as a lost Redis
  CHECK(redis.cli({"HGET", "swath:{fleet}:stats", "done"}).empty());
  CHECK(redis.cli({"ZCARD", "swath:{fleet}:leased"}) == "1");  // left to expire, as a lost worker's
}
