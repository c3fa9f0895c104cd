// queue::Enqueuer with finished tasks on a real redis-server: claims first, all or nothing, then the tasks.
#include <doctest/doctest.h>

#include <csignal>
#include <sstream>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "queue/claims.hpp"
#include "queue/enqueue.hpp"
#include "support/cutting_proxy.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

std::vector<queue::Task> two_tasks() {
  std::vector<queue::Task> tasks(2);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto& t = tasks[i];
    t.kind = "noop";
    t.inputs = {"/in/" + std::to_string(i)};
    t.output = "/out";
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  }
  return tasks;
}

}  // namespace

TEST_CASE(
    "enqueue: two tasks claiming one location for different work are refused; the same work in two tasks is fine") {
  auto tasks = two_tasks();
  for (auto& t : tasks) t.claims.push_back({t.output + "/same", "work on " + t.inputs.front(), {}});
  CHECK_THROWS_WITH_AS(queue::plan_claims(tasks), doctest::Contains("two works of this enqueue would write there"),
                       core::UsageError);
  for (auto& t : tasks) t.claims = {{t.output + "/same", "one work", {}}};
  CHECK(queue::plan_claims(tasks).size() == 1);  // the same work in two tasks (shards, batches) is fine
}

TEST_CASE("enqueue: the queue sends finished tasks; their claims' conflicts are refused before anything is recorded") {
  test::RedisServer redis;
  queue::Enqueuer enqueuer({.redis = queue::parse_redis_url(redis.url()), .queue = "q"});
  CHECK(enqueuer.server_time_ms() > 0);
  auto tasks = two_tasks();
  for (auto& t : tasks) t.claims.push_back({t.output + "/same", "work on " + t.inputs.front(), {}});
  CHECK_THROWS_WITH_AS(enqueuer.enqueue(tasks), doctest::Contains("two works of this enqueue would write there"),
                       core::UsageError);
  CHECK(redis.cli({"DBSIZE"}) == "0");

  for (auto& t : tasks) t.claims = {{t.output + "/same", "one work", {}}};
  const auto summary = enqueuer.enqueue(tasks);
  CHECK(summary.tasks == 2);
  CHECK(summary.enqueued == 2);
  CHECK(redis.claim("q", "/out/same") == "one work");
  CHECK(enqueuer.enqueue(tasks).duplicates == 2);
}

TEST_CASE("enqueue: claims live in small hashes per output directory; a claim of queue layout 2 is still honoured") {
  test::RedisServer redis;
  queue::Enqueuer enqueuer({.redis = queue::parse_redis_url(redis.url()), .queue = "q"});
  std::vector<queue::Task> tasks(200);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto& t = tasks[i];
    t.kind = "noop";
    t.inputs = {"/in/s" + std::to_string(i) + ".tif"};
    t.output = "/out";
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    t.claims = {
        {"/out/s" + std::to_string(i), "tile @d/s" + std::to_string(i) + ".tif #o", {{"@d", "/in"}, {"#o", "{}"}}}};
  }
  CHECK(enqueuer.enqueue(tasks).enqueued == 200);
  CHECK(redis.claim("q", "/out/s17") == "tile @d/s17.tif #o");
  std::vector<std::string> buckets;
  std::istringstream keys(redis.cli({"KEYS", "swath:{q}:claims:*"}));
  for (std::string key; std::getline(keys, key);) buckets.push_back(key);
  CHECK(buckets.size() == 3);  // ~64 claims each
  for (const auto& key : buckets) CHECK(redis.cli({"OBJECT", "ENCODING", key}) == "listpack");

  // Another work at one of them: refused, naming the earlier work with its references expanded.
  auto other = tasks[17];
  other.id = "other";
  other.claims.front().value = "tile @d/s17.tif #p";
  other.claims.front().refs = {{"@d", "/in"}, {"#p", "{\"size\":9}"}};
  CHECK_THROWS_WITH_AS(
      enqueuer.enqueue({other}),
      doctest::Contains("earlier on queue 'q': tile /in/s17.tif {}; this is tile /in/s17.tif {\"size\":9}"),
      core::UsageError);

  // Queue layout 2 kept every claim in one hash: such a claim still refuses other work, until reclaimed.
  redis.cli({"HSET", "swath:{q}:claims", "/old/x", "old work"});
  auto late = tasks[0];
  late.claims = {{"/old/x", "new work", {}}};
  CHECK_THROWS_WITH_AS(enqueuer.enqueue({late}), doctest::Contains("earlier on queue 'q': old work; this is new work"),
                       core::UsageError);
  queue::Enqueuer reclaiming({.redis = queue::parse_redis_url(redis.url()), .queue = "q", .reclaim = true});
  (void)reclaiming.enqueue({late});
  CHECK(redis.claim("q", "/old/x") == "new work");
  CHECK(redis.cli({"HEXISTS", "swath:{q}:claims", "/old/x"}) == "0");
}

TEST_CASE("enqueue: Ctrl-C while sending settles what is in flight, sends nothing more and says so") {
  test::RedisServer redis;
  queue::Enqueuer enqueuer({.redis = queue::parse_redis_url(redis.url()), .queue = "q"});
  const auto tasks = two_tasks();
  struct Reset {
    ~Reset() { core::reset_cancel(); }
  } reset;
  core::request_cancel(SIGINT);
  const auto stopped = enqueuer.enqueue(tasks);
  CHECK(stopped.interrupted);
  CHECK(stopped.enqueued == 0);
  CHECK(stopped.not_queued == 2);
  CHECK(redis.cli({"LLEN", "swath:{q}:ready"}) == "0");
  CHECK(queue::to_json(stopped, "q").at("interrupted").as_bool());
  core::reset_cancel();
  // The same enqueue again queues them (what an interrupted one had sent would be skipped as duplicates).
  const auto again = enqueuer.enqueue(tasks);
  CHECK_FALSE(again.interrupted);
  CHECK(again.enqueued == 2);
  CHECK(redis.cli({"LLEN", "swath:{q}:ready"}) == "2");
}

namespace {

std::vector<queue::Task> many_tasks(std::size_t n) {
  std::vector<queue::Task> tasks(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& t = tasks[i];
    t.kind = "noop";
    t.inputs = {"/in/scene-" + std::to_string(i) + ".tif"};
    t.output = "/out";
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
  }
  return tasks;
}

}  // namespace

TEST_CASE(
    "enqueue: a connection cut mid-pipeline is made again and the unanswered batches sent again: each task once") {
  test::RedisServer redis;
  const auto tasks = many_tasks(3000);
  // Cut ~100 KB into the conversation: a few of the 60 batches (50 tasks each) answered, some in flight.
  test::CuttingProxy proxy(redis.port(), 100000);
  queue::Enqueuer enqueuer({.redis = queue::parse_redis_url("redis://127.0.0.1:" + std::to_string(proxy.port())),
                            .queue = "q",
                            .batch = 50});
  const auto summary = enqueuer.enqueue(tasks);
  CHECK(proxy.cut());
  CHECK(proxy.connections() == 2);
  CHECK(summary.lost_connection.empty());
  CHECK(summary.tasks == 3000);
  CHECK(summary.enqueued + summary.duplicates == 3000);  // a batch stored before the cut counts as duplicates
  CHECK(summary.not_queued == 0);
  CHECK(summary.unconfirmed == 0);
  CHECK(redis.cli({"LLEN", "swath:{q}:ready"}) == "3000");
}

TEST_CASE(
    "enqueue: Redis unreachable for good mid-pipeline: the summary says what was confirmed; running again queues "
    "the rest") {
  test::RedisServer redis;
  const auto tasks = many_tasks(3000);
  test::CuttingProxy proxy(redis.port(), 100000, /*refuse_after_cut=*/true);
  queue::Enqueuer enqueuer({.redis = queue::parse_redis_url("redis://127.0.0.1:" + std::to_string(proxy.port())),
                            .queue = "q",
                            .batch = 50,
                            .reconnect_timeout = std::chrono::milliseconds(500)});
  const auto summary = enqueuer.enqueue(tasks);
  CHECK(proxy.cut());
  CHECK_MESSAGE(summary.lost_connection.find("no connection for") != std::string::npos, summary.lost_connection);
  CHECK(summary.enqueued > 0);
  CHECK(summary.unconfirmed > 0);
  CHECK(summary.not_queued > 0);
  CHECK(summary.enqueued + summary.duplicates + summary.unconfirmed + summary.not_queued == 3000);
  const auto stored = std::stoll(redis.cli({"LLEN", "swath:{q}:ready"}));
  CHECK(stored >= summary.enqueued);
  CHECK(stored <= summary.enqueued + summary.unconfirmed);
  CHECK(queue::to_json(summary, "q").at("unconfirmed").as_int() == summary.unconfirmed);
  // The same enqueue again, Redis reachable: exactly the rest goes in.
  queue::Enqueuer again({.redis = queue::parse_redis_url(redis.url()), .queue = "q", .batch = 50});
  const auto rest = again.enqueue(tasks);
  CHECK(rest.enqueued == 3000 - stored);
  CHECK(rest.duplicates == stored);
  CHECK(redis.cli({"LLEN", "swath:{q}:ready"}) == "3000");
}
