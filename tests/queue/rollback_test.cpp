// The fencing token after Redis lost its last writes (a host crash under appendfsync everysec, an older AOF restored):
// the task is leased again, and its earlier holder must not be able to renew or commit it.
#include <doctest/doctest.h>

#include <filesystem>

#include "queue/client.hpp"
#include "support/redis_server.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// Queue "q" on `redis` holding one task, leased by "w1"; then Redis restarted from its data as it was before that
// lease. Returns the lost lease.
queue::Leased lease_then_lose(test::RedisServer& redis, const std::string& input) {
  queue::Task t;
  t.kind = "noop";
  t.inputs = {input};
  t.output = "/out";
  t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
  {
    queue::Connection connection{queue::parse_redis_url(redis.url())};
    REQUIRE(queue::QueueClient(connection, "q").enqueue({t}, false).enqueued == 1);
  }
  // What Redis will restart from: the task enqueued, not yet leased.
  redis.stop();
  const fs::path saved = fs::path(redis.dir()).parent_path() / (fs::path(redis.dir()).filename().string() + ".saved");
  fs::remove_all(saved);
  fs::copy(redis.dir(), saved, fs::copy_options::recursive);
  redis.start();
  queue::LeaseBatch batch;
  {
    queue::Connection connection{queue::parse_redis_url(redis.url())};
    batch = queue::QueueClient(connection, "q").lease("w1", 1, 60000, 15);
    REQUIRE(batch.tasks.size() == 1);
  }
  redis.stop();
  fs::remove_all(redis.dir());
  fs::copy(saved, redis.dir(), fs::copy_options::recursive);
  fs::remove_all(saved);
  redis.start();
  return batch.tasks[0];
}

}  // namespace

TEST_CASE("queue: a task leased again after Redis lost the lease gets another token; the first holder cannot commit") {
  test::RedisServer redis;
  const auto lost = lease_then_lose(redis, "/in/a");
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client(connection, "q");
  const auto again = client.lease("w2", 1, 60000, 15);
  REQUIRE(again.tasks.size() == 1);
  const auto& second = again.tasks[0];
  // Was: the same token (the fence counted from the same value), so both holders could renew and commit.
  CHECK(second.token != lost.token);
  CHECK(client.renew("w1", 60000, {{second.id, lost.token}}) == std::vector<std::string>{second.id});
  CHECK(client.commit({{second.id, lost.token, "{}", "{}", 0.1, false}}, 5000) == std::vector<bool>{false});
  CHECK(client.commit({{second.id, second.token, "{}", "{}", 0.1, false}}, 5000) == std::vector<bool>{true});
}

TEST_CASE("queue: after Redis lost a lease, its holder renewing first loses that lease; the queue is not 'gone'") {
  test::RedisServer redis;
  const auto lost = lease_then_lose(redis, "/in/b");
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client(connection, "q");
  // Was: SWATH_QUEUE_GONE ("its keys were deleted ... every task queued then is lost"): the worker exited 1, with the
  // task waiting in the ready list.
  CHECK(client.renew("w1", 60000, {{lost.id, lost.token}}) == std::vector<std::string>{lost.id});
  const auto again = client.lease("w2", 1, 60000, 15);
  REQUIRE(again.tasks.size() == 1);
  CHECK(again.tasks[0].token != lost.token);
  CHECK(client.commit({{lost.id, lost.token, "{}", "{}", 0.1, false}}, 5000) == std::vector<bool>{false});
  CHECK(client.commit({{again.tasks[0].id, again.tasks[0].token, "{}", "{}", 0.1, false}}, 5000) ==
        std::vector<bool>{true});
}
