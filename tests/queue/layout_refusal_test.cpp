// Every queue script that reads records or claims refuses a queue laid out anew by a newer swath (its layout key
// says a layout this build does not read), changing nothing: not only the scripts that move work.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "queue/claims.hpp"
#include "queue/client.hpp"
#include "queue/noop_tasks.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

std::vector<queue::Task> tasks(int count) { return test::noop_tasks(count); }

}  // namespace

TEST_CASE("queue layout: renew, finishing, stats, jobs, dead letters and claims refuse a newer layout") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "up"};
  REQUIRE(client.enqueue(tasks(4), false).enqueued == 4);
  const auto held = client.lease("w", 4, 60000, 15).tasks;
  REQUIRE(held.size() == 4);
  // One task committed with files (in `finishing`), one dead: something for each script to read.
  REQUIRE(client.commit({{held[0].id, held[0].token, "{}", "{}", 0.1, true}}, 0) == std::vector<bool>{true});
  REQUIRE(client.fail({{held[1].id, held[1].token, "boom", true, 0}}, 3) == std::vector<std::string>{"dead"});
  const std::string dead_id = held[1].id.substr(held[1].id.find(':') + 1);
  const std::string job = held[0].id.substr(0, held[0].id.find(':'));
  REQUIRE(client.jobs().size() == 1);

  redis.cli({"SET", "swath:{up}:layout", "4"});  // a newer swath lays the queue out anew while this one runs
  const std::string message =
      "queue 'up': it is in queue layout 4 now (a newer swath laid it out since this one "
      "started); this swath reads layouts 2 and 3 and would misread it";
  const auto contains = doctest::Contains(message.c_str());
  CHECK_THROWS_WITH_AS(client.renew("w", 60000, {{held[2].id, held[2].token}}), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.claim_finishing(0), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.finished({{held[0].id, held[0].token}}), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.finish_failed({{held[0].id, held[0].token, "disk full"}}, 1, 10), contains,
                       core::DataError);
  CHECK_THROWS_WITH_AS(queue::read_stats(client, 300), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.jobs(), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.jobs(job), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.dead_list(0, -1), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.dead_members({dead_id}), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.dead_retry({dead_id}), contains, core::DataError);
  CHECK_THROWS_WITH_AS(client.dead_purge({}), contains, core::DataError);
  queue::Claim claim;
  claim.key = "/out/x";
  claim.value = "noop x";
  CHECK_THROWS_WITH_AS(queue::record_claims(connection, client.keys(), {claim}, false), contains, core::DataError);

  // Nothing changed: the finishing task, the dead one, the leases and the job's counts are as they were.
  CHECK(redis.cli({"ZCARD", "swath:{up}:finishing"}) == "1");
  CHECK(redis.cli({"LRANGE", "swath:{up}:dead", "0", "-1"}) == held[1].id);
  CHECK(redis.cli({"ZCARD", "swath:{up}:leased"}) == "2");
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "dead"}) == "1");
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "finishing"}) == "1");
  CHECK(redis.cli({"ZCARD", "swath:{up}:jobs"}) == "1");
  CHECK(redis.cli({"HLEN", "swath:{up}:finish_tries"}) == "0");
  CHECK(redis.cli({"KEYS", "swath:{up}:claims*"}).empty());
  CHECK(redis.cli({"GET", "swath:{up}:layout"}) == "4");

  // Back on a layout this build reads (2), the same calls work: the refusal is the layout's, nothing else.
  redis.cli({"SET", "swath:{up}:layout", "2"});
  CHECK(client.renew("w", 60000, {{held[2].id, held[2].token}}).empty());
  CHECK(client.dead_list(0, -1).size() == 1);
  CHECK(client.jobs(job).size() == 1);
}
