// A rolling upgrade: workers of the previous build (queue layout 2, their lease script run verbatim) still serve
// the queue this build enqueues on. Nothing may be lost; a layout this build does not read is refused at lease.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "queue/admin.hpp"
#include "queue/client.hpp"
#include "queue/layout2_lease.hpp"
#include "queue/noop_tasks.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

constexpr int count = 200;  // 3 buckets' worth, when bucketed

std::vector<queue::Task> tasks() { return test::noop_tasks(count); }

// One lease of up to 1000 tasks by a worker of layout 2 → how many it leased (each is a task it will run).
std::size_t layout2_lease(queue::Connection& connection, const std::string& queue) {
  const queue::Keys keys(queue);
  const auto reply = connection.command(
      {"EVAL", test::layout2_lease, "1", keys.ready, keys.prefix, "old-worker", "1000", "60000", "15"});
  REQUIRE_MESSAGE(!reply.is_error(), reply.text);
  return (reply.as_array().size() - 3) / 4;
}

std::string job_of(const test::RedisServer& redis, const std::string& queue) {
  return redis.cli({"ZRANGE", "swath:{" + queue + "}:jobs", "0", "0"});
}

// Leases and commits everything waiting with this build; → how many it ran.
std::size_t drain(queue::QueueClient& client) {
  const auto leased = client.lease("new-worker", 1000, 60000, 15).tasks;
  std::vector<queue::Commit> commits;
  for (const auto& l : leased) commits.push_back({l.id, l.token, "{}", "{}", 0.1, false});
  if (!commits.empty()) client.commit(commits, 0);
  return leased.size();
}

}  // namespace

TEST_CASE("queue upgrade: a worker of layout 2 still running loses nothing this build enqueues (records unbucketed)") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "up"};
  redis.cli({"SET", "swath:{up}:layout", "2"});  // the queue the old workers started on
  REQUIRE(client.enqueue(tasks(), false).enqueued == count);
  const std::string job = job_of(redis, "up");
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "buckets"}) == "1");  // not migrated: one hash, layout 2's

  // The old worker leases them all as tasks of its own layout: none dead-lettered as gone.
  CHECK(layout2_lease(connection, "up") == count);
  CHECK(redis.cli({"LLEN", "swath:{up}:dead"}) == "0");
  CHECK(redis.cli({"ZCARD", "swath:{up}:leased"}) == std::to_string(count));
  CHECK(queue::read_stats(client, 300).unfinished == count);
}

TEST_CASE("queue upgrade: after `queue migrate` new jobs are bucketed; a layout this build does not read is refused") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "up"};
  CHECK(queue::migrate(connection, client.keys()));
  CHECK_FALSE(queue::migrate(connection, client.keys()));
  CHECK(redis.cli({"GET", "swath:{up}:layout"}) == "3");
  REQUIRE(client.enqueue(tasks(), false).enqueued == count);
  const std::string job = job_of(redis, "up");
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "buckets"}) == "6");
  CHECK(redis.cli({"EXISTS", "swath:{up}:job:" + job + ":t"}) == "0");  // what a layout-2 worker reads: nothing
  CHECK(redis.cli({"HLEN", "swath:{up}:job:" + job + ":t:0"}) != "0");
  const auto held = client.lease("w", 3, 60000, 15).tasks;
  REQUIRE(held.size() == 3);

  // A newer swath lays the queue out anew while this one runs: whatever moves work refuses, changing nothing.
  redis.cli({"SET", "swath:{up}:layout", "4"});
  const std::string message =
      "queue 'up': it is in queue layout 4 now (a newer swath laid it out since this one "
      "started); this swath reads layouts 2 and 3 and would misread it";
  CHECK_THROWS_WITH_AS(client.lease("w", 10, 60000, 15), doctest::Contains(message.c_str()), core::DataError);
  client.send_lease("w", 10, 60000, 15);  // the worker's pipelined lease
  CHECK_THROWS_WITH_AS(client.receive_lease(), doctest::Contains(message.c_str()), core::DataError);
  CHECK_THROWS_WITH_AS(client.enqueue({tasks().front()}, true), doctest::Contains(message.c_str()), core::DataError);
  const std::vector<queue::Commit> commits{{held[0].id, held[0].token, "{}", "{}", 0.1, false}};
  CHECK_THROWS_WITH_AS(client.commit(commits, 0), doctest::Contains(message.c_str()), core::DataError);
  client.send_commit(commits, 0);  // the worker's pipelined commit
  CHECK_THROWS_WITH_AS(client.receive_commit(), doctest::Contains(message.c_str()), core::DataError);
  CHECK_THROWS_WITH_AS(client.fail({{held[1].id, held[1].token, "boom", true, 0}}, 3),
                       doctest::Contains(message.c_str()), core::DataError);
  CHECK_THROWS_WITH_AS(client.release({{held[2].id, held[2].token}}), doctest::Contains(message.c_str()),
                       core::DataError);
  CHECK_THROWS_WITH_AS(queue::migrate(connection, client.keys()), doctest::Contains("queue layout 4"), core::DataError);
  CHECK(redis.cli({"LLEN", "swath:{up}:ready"}) == std::to_string(count - 3));
  CHECK(redis.cli({"ZCARD", "swath:{up}:leased"}) == "3");
  CHECK(redis.cli({"LLEN", "swath:{up}:dead"}) == "0");
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "done"}) == "0");
  CHECK(redis.cli({"GET", "swath:{up}:layout"}) == "4");
}

TEST_CASE("queue upgrade: tasks a layout-2 worker orphaned in a bucketed job are queued again by enqueue --force") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "up"};
  queue::migrate(connection, client.keys());  // too early: an old worker still runs
  const auto all = tasks();
  REQUIRE(client.enqueue(all, false).enqueued == count);
  const std::string job = job_of(redis, "up");
  REQUIRE(redis.cli({"HGET", "swath:{up}:job:" + job, "buckets"}) == "6");
  // This build's worker leases 10 with leases that expire at once; the old worker reaps those (dropping them:
  // their records are not where it looks) and takes the other 190 as gone (dead-lettered into job:J:t).
  REQUIRE(client.lease("new-worker", 10, 0, 15).tasks.size() == 10);
  CHECK(layout2_lease(connection, "up") == 0);
  REQUIRE(redis.cli({"LLEN", "swath:{up}:dead"}) == std::to_string(count - 10));
  REQUIRE(redis.cli({"ZCARD", "swath:{up}:leased"}) == "0");
  CHECK(client.dead_list(0, -1).empty());  // its records still read waiting or leased, in their buckets

  // The same work forced again: each task in no list of its state is queued again, the old worker's trace gone.
  const auto again = client.enqueue(all, true);
  CHECK(again.enqueued == count);
  CHECK(again.duplicates == 0);
  CHECK(redis.cli({"LLEN", "swath:{up}:dead"}) == "0");
  CHECK(redis.cli({"EXISTS", "swath:{up}:job:" + job + ":t"}) == "0");
  CHECK(client.enqueue(all, true).duplicates == count);  // now waiting in `ready`: not orphaned

  CHECK(drain(client) == static_cast<std::size_t>(count));
  const auto stats = queue::read_stats(client, 300);
  CHECK(stats.unfinished == 0);
  CHECK(stats.done == count);
  CHECK(redis.cli({"LLEN", "swath:{up}:unfinished"}) == "0");
  for (const char* counter : {"running", "dead", "unfinished"}) {
    CAPTURE(counter);
    CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, counter}) == "0");
  }
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "done"}) == std::to_string(count));
  CHECK(redis.cli({"HGET", "swath:{up}:job:" + job, "tasks"}) == std::to_string(count));
  for (const char* p : {"high", "normal", "low"}) {
    const auto waiting = redis.cli({"HGET", "swath:{up}:counts", p});
    CAPTURE(p);
    CHECK((waiting.empty() || waiting == "0"));
  }
}
