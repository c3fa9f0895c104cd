// Held tasks (a pyramid's merge): leased only once every other task of their job is finished (files in place), never
// while one of them is dead; `dead retry` of it releases them later. Exactly-once and the scaling signal stay intact.
#include <doctest/doctest.h>

#include "queue/client.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

// A job's tasks: `n` shards and one held merge (the same options, so one job).
std::vector<queue::Task> pyramid(int n) {
  std::vector<queue::Task> tasks;
  for (int i = 0; i <= n; ++i) {
    queue::Task t;
    t.kind = "noop";
    t.inputs = {"/in/scene.tif"};
    t.output = "/out";
    t.options = core::Json::Object{{"part", i < n ? std::to_string(i) : "merge"}};
    t.slice_keys = {"part"};
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    t.held = i == n;
    tasks.push_back(t);
  }
  return tasks;
}

struct Fixture {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "h"};

  std::vector<queue::Leased> lease(std::size_t n = 10) { return client.lease("w", n, 60000, 100).tasks; }
  long long llen(const std::string& key) { return std::stoll(redis.cli({"LLEN", "swath:{h}:" + key})); }
  queue::JobInfo job() { return client.jobs().at(0); }
  void kill(const queue::Leased& shard) { client.fail({{shard.id, shard.token, "bad input", true, 0}}, 3); }
};

}  // namespace

TEST_CASE("queue: a held task is leased only after every other task of its job is finished, files in place") {
  Fixture f;
  const auto tasks = pyramid(2);
  const auto counts = f.client.enqueue(tasks, false);
  CHECK(counts.enqueued == 3);
  CHECK(f.llen("unfinished") == 2);  // the held task is no work a worker could start: KEDA does not see it
  CHECK(f.job().held == 1);
  CHECK(f.job().unfinished == 3);

  auto shards = f.lease();
  REQUIRE(shards.size() == 2);  // the shards only
  for (const auto& l : shards) CHECK(l.task_id() != tasks[2].id);
  // One commits without files (finished at once), the other with files (finishing until they are moved).
  REQUIRE(f.client.commit({{shards[0].id, shards[0].token, "", "{}", 0.1, false}}, 60000).at(0));
  CHECK(f.lease().empty());
  REQUIRE(f.client.commit({{shards[1].id, shards[1].token, "{\"files\":{}}", "{}", 0.1, true}}, 60000).at(0));
  CHECK(f.lease().empty());  // committed, but its files are not in place: the merge would not find them
  CHECK(f.job().held == 1);
  f.client.finished({{shards[1].id, shards[1].token}});

  CHECK(f.job().held == 0);
  CHECK(f.llen("unfinished") == 1);
  const auto merge = f.lease();
  REQUIRE(merge.size() == 1);
  CHECK(merge[0].task_id() == tasks[2].id);
  REQUIRE(f.client.commit({{merge[0].id, merge[0].token, "", "{}", 0.1, false}}, 60000).at(0));
  CHECK(f.llen("unfinished") == 0);
  CHECK(f.job().unfinished == 0);
  CHECK(f.job().done == 3);

  // The same work enqueued again: all duplicates, nothing held again.
  CHECK(f.client.enqueue(tasks, false).duplicates == 3);
  CHECK(f.lease().empty());
  CHECK(f.job().held == 0);
}

TEST_CASE("queue: a dead task keeps its job's held task waiting; dead retry of it releases it once it is done") {
  Fixture f;
  const auto tasks = pyramid(2);
  f.client.enqueue(tasks, false);
  auto shards = f.lease();
  REQUIRE(shards.size() == 2);
  REQUIRE(f.client.commit({{shards[0].id, shards[0].token, "", "{}", 0.1, false}}, 60000).at(0));
  f.kill(shards[1]);  // dead at once
  CHECK(f.lease().empty());
  const auto job = f.job();
  CHECK(job.dead == 1);
  CHECK(job.held == 1);
  CHECK(job.waiting() == 0);
  CHECK(f.llen("unfinished") == 0);  // nothing can run: a drained worker exits, KEDA scales to zero

  CHECK(f.client.dead_retry({}) == 1);
  auto again = f.lease();
  REQUIRE(again.size() == 1);
  CHECK(again[0].task_id() == shards[1].task_id());
  REQUIRE(f.client.commit({{again[0].id, again[0].token, "", "{}", 0.1, false}}, 60000).at(0));
  const auto merge = f.lease();
  REQUIRE(merge.size() == 1);
  CHECK(merge[0].task_id() == tasks[2].id);
}

TEST_CASE("queue: a held task whose job's other tasks are already done is released by its enqueue") {
  Fixture f;
  auto tasks = pyramid(1);
  const auto merge = tasks.back();
  tasks.pop_back();
  f.client.enqueue(tasks, false);
  const auto shard = f.lease();
  REQUIRE(shard.size() == 1);
  REQUIRE(f.client.commit({{shard[0].id, shard[0].token, "", "{}", 0.1, false}}, 60000).at(0));
  f.client.enqueue({merge}, false);
  CHECK(f.job().held == 0);
  const auto leased = f.lease();
  REQUIRE(leased.size() == 1);
  CHECK(leased[0].task_id() == merge.id);
}

TEST_CASE(
    "queue: enqueueing a job again releases a held task its finished shards left held (an older worker's finish)") {
  Fixture f;
  auto tasks = pyramid(1);
  f.client.enqueue(tasks, false);
  const auto shard = f.lease();
  REQUIRE(shard.size() == 1);
  REQUIRE(f.client.commit({{shard[0].id, shard[0].token, "", "{}", 0.1, false}}, 60000).at(0));
  // What a worker from before held tasks leaves: the shard done, the merge still held (put back by hand).
  REQUIRE(f.lease().size() == 1);
  f.redis.cli({"DEL", "swath:{h}:ready", "swath:{h}:leased"});
  const auto job = f.job();
  const std::string id = tasks.back().id;
  const auto record_key = f.redis.cli({"EVAL",
                                       "for _, k in ipairs(redis.call('KEYS', 'swath:{h}:job:*:t*')) do "
                                       "if redis.call('HEXISTS', k, ARGV[1]) == 1 then return k end end return ''",
                                       "0", id});
  REQUIRE_FALSE(record_key.empty());
  const auto record = f.redis.cli({"HGET", record_key, id});
  const auto payload = record.substr(record.find('|'));
  f.redis.cli({"HSET", record_key, id, "h0,0,n" + payload});
  f.redis.cli({"SADD", "swath:{h}:job:" + job.id + ":held", id});
  f.redis.cli({"HSET", "swath:{h}:job:" + job.id, "held", "1", "running", "0"});
  REQUIRE(f.lease().empty());
  f.client.enqueue(tasks, false);  // the same job again: duplicates, and the release check
  CHECK(f.job().held == 0);
  const auto leased = f.lease();
  REQUIRE(leased.size() == 1);
  CHECK(leased[0].task_id() == id);
}

TEST_CASE("queue: purging a job's dead tasks drops its held task, so the job ends; enqueued again it is held anew") {
  Fixture f;
  const auto tasks = pyramid(2);
  f.client.enqueue(tasks, false);
  auto shards = f.lease();
  REQUIRE(shards.size() == 2);
  f.kill(shards[0]);
  f.kill(shards[1]);
  CHECK(f.lease().empty());
  CHECK(f.job().held == 1);
  // Was: the merge held for good, the job listed for ever (it never expires with a task unfinished).
  CHECK(f.client.dead_purge({}) == 2);
  CHECK(f.job().held == 0);
  CHECK(f.job().unfinished == 0);
  CHECK(f.job().tasks == 0);
  CHECK(f.llen("unfinished") == 0);
  CHECK(f.lease().empty());  // not run: it would merge shards that are not there
  CHECK(std::stoll(f.redis.cli({"TTL", "swath:{h}:job:" + f.job().id})) > 0);  // it expires

  // The work enqueued again: the shards run, the merge waits for them as the first time.
  CHECK(f.client.enqueue(tasks, true).enqueued == 3);
  CHECK(f.job().held == 1);
  shards = f.lease();
  REQUIRE(shards.size() == 2);
  for (const auto& l : shards) CHECK(l.task_id() != tasks[2].id);
}

TEST_CASE("queue: purging a dead shard while another still runs drops the merge: it never runs without that shard") {
  Fixture f;
  const auto tasks = pyramid(2);
  f.client.enqueue(tasks, false);
  auto shards = f.lease();
  REQUIRE(shards.size() == 2);
  f.kill(shards[0]);
  CHECK(f.client.dead_purge({}) == 1);
  CHECK(f.job().held == 0);
  // Was: released when the other shard finished (its job's dead count was 0 again), merging a missing shard.
  REQUIRE(f.client.commit({{shards[1].id, shards[1].token, "", "{}", 0.1, false}}, 60000).at(0));
  CHECK(f.lease().empty());
  CHECK(f.job().unfinished == 0);
  CHECK(f.llen("unfinished") == 0);
}
