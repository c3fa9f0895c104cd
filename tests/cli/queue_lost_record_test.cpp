// End to end: tasks whose records Redis lost (evicted under --allow-eviction, deleted) are dead-lettered saying so;
// `queue dead retry` leaves them dead (nothing is left to run) and says `enqueue --force` runs their work again.
#include <doctest/doctest.h>

#include <sstream>

#include "cli/fleet_support.hpp"
#include "core/json.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;

TEST_CASE("queue dead retry: tasks whose records were lost stay dead, and enqueue --force runs their work again") {
  test::RedisServer redis;
  test::ScratchDir dir;
  for (const std::string name : {"a", "b", "c"}) test::write_text(dir / ("in/" + name + ".txt"), name + "\n");
  const std::vector<std::string> enqueue{"enqueue",  "--kind",    "checksum", dir / "in/*.txt",
                                         "--output", dir / "out", "--json"};
  auto r = test::swath(with_redis(redis, enqueue));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // Their records deleted, as eviction would.
  std::istringstream record_keys(redis.cli({"KEYS", "swath:{fleet}:job:*:t*"}));
  for (std::string key; std::getline(record_keys, key);) REQUIRE(redis.cli({"DEL", key}) == "1");
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty"}));
  REQUIRE(redis.cli({"LLEN", "swath:{fleet}:dead"}) == "3");
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  CHECK_MESSAGE(r.out.find("enqueue its work again with --force") != std::string::npos, r.out);

  // Was: "queued again 3", then each died at once as "malformed task: field 'inputs' must be a non-empty array".
  r = test::swath(with_redis(redis, {"queue", "dead", "retry", "--all", "--json"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  const auto report = core::Json::parse(r.out);
  CHECK(report.at("tasks").as_int() == 0);
  CHECK(report.at("stayed_dead").as_int() == 3);
  CHECK(r.err.find("3 dead task(s) stay dead: their records were lost from Redis") != std::string::npos);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
  const std::string one = core::Json::parse(test::swath(with_redis(redis, {"queue", "dead", "list", "--json"})).out)
                              .at("tasks")
                              .as_array()
                              .front()
                              .at("id")
                              .as_string();
  r = test::swath(with_redis(redis, {"queue", "dead", "retry", one}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("their records were lost from Redis") != std::string::npos, r.err);

  // A plain enqueue skips them (dead); --force queues them, and they run.
  r = test::swath(with_redis(redis, enqueue));
  CHECK(core::Json::parse(r.out).at("dead_skipped").as_int() == 3);
  auto forced = enqueue;
  forced.push_back("--force");
  r = test::swath(with_redis(redis, forced));
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 3);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  CHECK_MESSAGE(core::Json::parse(r.out).at("committed").as_int() == 3, r.err);
}
