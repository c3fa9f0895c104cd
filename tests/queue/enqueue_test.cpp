// queue::Enqueuer with finished tasks on a real redis-server: claims first, all or nothing, then the tasks.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "queue/claims.hpp"
#include "queue/enqueue.hpp"
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

TEST_CASE("enqueue: two tasks claiming one location for different work are refused; the same work in two tasks is fine") {
  auto tasks = two_tasks();
  for (auto& t : tasks) t.claims.push_back({t.output + "/same", "work on " + t.inputs.front(), "", ""});
  CHECK_THROWS_WITH_AS(queue::plan_claims(tasks), doctest::Contains("two works of this enqueue would write there"),
                       core::UsageError);
  for (auto& t : tasks) t.claims = {{t.output + "/same", "one work", "", ""}};
  CHECK(queue::plan_claims(tasks).size() == 1);  // the same work in two tasks (shards, batches) is fine
}

TEST_CASE("enqueue: the queue sends finished tasks; their claims' conflicts are refused before anything is recorded") {
  test::RedisServer redis;
  queue::Enqueuer enqueuer({.redis = queue::parse_redis_url(redis.url()), .queue = "q"});
  CHECK(enqueuer.server_time_ms() > 0);
  auto tasks = two_tasks();
  for (auto& t : tasks) t.claims.push_back({t.output + "/same", "work on " + t.inputs.front(), "", ""});
  CHECK_THROWS_WITH_AS(enqueuer.enqueue(tasks), doctest::Contains("two works of this enqueue would write there"),
                       core::UsageError);
  CHECK(redis.cli({"DBSIZE"}) == "0");

  for (auto& t : tasks) t.claims = {{t.output + "/same", "one work", "", ""}};
  const auto summary = enqueuer.enqueue(tasks);
  CHECK(summary.tasks == 2);
  CHECK(summary.enqueued == 2);
  CHECK(redis.cli({"HGET", "swath:{q}:claims", "/out/same"}) == "one work");
  CHECK(enqueuer.enqueue(tasks).duplicates == 2);
}
