// Redis out of memory under noeviction: enqueue says how many went in and queues nothing by halves; the same
// enqueue later queues exactly the rest; workers still lease, commit and fail (draining is what frees memory).
#include <doctest/doctest.h>

#include "queue/client.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

std::vector<queue::Task> tasks(int n) {
  std::vector<queue::Task> out;
  for (int i = 0; i < n; ++i) {
    queue::Task t;
    t.kind = "noop";
    // Real scene paths are long: a few hundred bytes per waiting task.
    t.inputs = {"/data/archive/sentinel-2/L2A/2026/11/25/S2B_MSIL2A_20261125T101301_N0511_R022_T32TQM_" +
                std::to_string(i) + ".tif"};
    t.output = "/out";
    t.options.set("padding", std::string(200, 'x'));  // a few hundred bytes per task, as real options are
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

TEST_CASE("queue: Redis full under noeviction: enqueue reports what went in, a re-run queues the rest, workers drain") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "full"};
  const std::string info = redis.cli({"INFO", "memory"});
  const auto at = info.find("used_memory:") + std::string("used_memory:").size();
  const auto used = std::stoll(info.substr(at, info.find('\r', at) - at));
  redis.cli({"CONFIG", "SET", "maxmemory", std::to_string(used + 1024 * 1024)});
  const auto all = tasks(20000);
  const auto first = client.enqueue(all, false, 500);
  CHECK(first.enqueued > 0);
  CHECK(first.not_queued > 0);
  CHECK(first.enqueued + first.not_queued == 20000);
  CHECK(first.refusal.find("OOM") != std::string::npos);
  // Nothing half-queued: every task Redis holds is in the ready list and counted.
  CHECK(std::stoll(redis.cli({"LLEN", "swath:{full}:ready"})) == first.enqueued);
  CHECK(std::stoll(redis.cli({"LLEN", "swath:{full}:unfinished"})) == first.enqueued);

  // Still full: a worker can lease, commit and fail (these scripts may go beyond maxmemory).
  const auto batch = client.lease("w", 3, 60000, 15);
  REQUIRE(batch.tasks.size() == 3);
  CHECK(client.commit({{batch.tasks[0].id, batch.tasks[0].token, "", "{}", 0.1, false}}, 5000) ==
        std::vector<bool>{true});
  CHECK(client.fail({{batch.tasks[1].id, batch.tasks[1].token, "bad", true, 0}}, 3) ==
        std::vector<std::string>{"dead"});
  CHECK(client.release({{batch.tasks[2].id, batch.tasks[2].token}}) == 1);

  redis.cli({"CONFIG", "SET", "maxmemory", "0"});
  const auto second = client.enqueue(all, false, 500);
  CHECK(second.enqueued == first.not_queued);
  CHECK(second.duplicates == first.enqueued);
  CHECK(second.not_queued == 0);
  CHECK(queue::read_stats(client, 300).unfinished == 20000 - 2);
}
