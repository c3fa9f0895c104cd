// `swath worker` and signals, end to end: SIGTERM while Redis is down, a second SIGTERM, a planned hand-back;
// and the queue commands' refusal of a Redis that may evict keys.
#include <doctest/doctest.h>

#include <csignal>

#include "cli/fleet_support.hpp"

using namespace swath;
using namespace swath::test::fleet;

namespace {

// One noop task that sleeps `ms` (it does not poll for a stop: like a read that takes its time).
void enqueue_sleeper(const test::RedisServer& redis, const test::ScratchDir& dir, int ms) {
  const auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "noop", dir.path(), "--output", dir / "out",
                                                "--options", "{\"sleep_ms\":" + std::to_string(ms) + "}"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

void wait_for_lease(const test::RedisServer& redis) {
  wait_until([&] { return redis.cli({"ZCARD", "swath:{fleet}:leased"}) == "1"; });
}

}  // namespace

TEST_CASE(
    "worker signals: SIGTERM while Redis is down ends the worker after --grace with 130, not after the reconnect timeout") {
  test::RedisServer redis;
  test::ScratchDir dir;
  enqueue_sleeper(redis, dir, 60000);
  test::Background worker(binary(with_redis(redis, {"worker", "--grace", "1", "--reconnect-timeout", "600"})));
  wait_for_lease(redis);
  redis.kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the worker finds Redis gone and reconnects
  worker.signal(SIGTERM);
  const auto r = worker.wait();  // a 600 s reconnect timeout would outlast the test's own timeout
  INFO(r.err);
  CHECK(r.exit_code == 130);
  CHECK(r.err.find("stopped while waiting for Redis at redis://127.0.0.1:") != std::string::npos);
  CHECK(r.err.find("leases expire and it runs again") != std::string::npos);
}

TEST_CASE("worker signals: a second SIGTERM ends the worker at once, without waiting for --grace") {
  test::RedisServer redis;
  test::ScratchDir dir;
  enqueue_sleeper(redis, dir, 60000);
  test::Background worker(binary(with_redis(redis, {"worker", "--grace", "600"})));
  wait_for_lease(redis);
  worker.signal(SIGTERM);
  wait_until([&] { return worker.err_so_far().find("stopping: waiting up to") != std::string::npos; });
  // A second stop, not the first sent twice at once (within 100 ms: `timeout` signals the child, then its group).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  worker.signal(SIGTERM);
  const auto r = worker.wait();
  CHECK(r.exit_code == 128 + SIGTERM);  // killed by the second one
  // The task is not lost: its lease expires and it runs again.
  CHECK(redis.cli({"LLEN", "swath:{fleet}:unfinished"}) == "1");
}

TEST_CASE("worker signals: a task handed back at the end of --grace counts as handed back, not as a lost lease") {
  test::RedisServer redis;
  test::ScratchDir dir;
  enqueue_sleeper(redis, dir, 1500);
  test::Background worker(binary(with_redis(redis, {"worker", "--grace", "0.2", "--json"})));
  wait_for_lease(redis);
  worker.signal(SIGTERM);
  const auto r = worker.wait();
  INFO(r.err);
  CHECK(r.exit_code == 130);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("handed_back").as_int() == 1);
  CHECK(summary.at("lost").as_int() == 0);
  CHECK(r.err.find("lease lost") == std::string::npos);
  CHECK(r.err.find("after its lease was lost") == std::string::npos);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "1");
}

TEST_CASE("queue commands refuse a Redis that may evict keys, unless --allow-eviction") {
  test::RedisServer redis;
  test::ScratchDir dir;
  redis.cli({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"});
  const std::vector<std::vector<std::string>> commands{
      {"enqueue", "--kind", "noop", dir.path(), "--output", dir / "out"},
      {"queue", "stats"},
      {"queue", "dead", "list"},
      {"worker", "--exit-when-empty"},
      {"scale-plan", "--redis", redis.url(), "--queue", "fleet"}};
  for (const auto& args : commands) {
    CAPTURE(args[0]);
    const bool scale = args[0] == "scale-plan";
    const auto refused = test::swath(scale ? args : with_redis(redis, args));
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("its maxmemory-policy is allkeys-lru: under memory pressure it deletes keys") !=
          std::string::npos);
    CHECK(refused.err.find("--allow-eviction") != std::string::npos);
  }
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");  // nothing was queued
  // The refused worker does not stay among the live workers (queue stats, scale-plan's current replicas).
  CHECK(redis.cli({"ZCARD", "swath:{fleet}:workers"}) == "0");
  auto allowed =
      with_redis(redis, {"enqueue", "--kind", "noop", dir.path(), "--output", dir / "out", "--allow-eviction"});
  const auto r = test::swath(allowed);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("allowed by --allow-eviction") != std::string::npos);
  CHECK(test::swath({"scale-plan", "--redis", redis.url(), "--queue", "fleet"},
                    {.env = {{"SWATH_QUEUE__ALLOW_EVICTION", "true"}}})
            .exit_code == 0);
}

TEST_CASE(
    "enqueue into a full Redis (noeviction) says how many went in, exits 1; the same command later queues the rest") {
  test::RedisServer redis;
  test::ScratchDir dir;
  std::string manifest;
  for (int i = 0; i < 20000; ++i) manifest += "{\"input\":\"/data/scenes/scene-" + std::to_string(i) + ".tif\"}\n";
  test::write_text(dir / "tasks.jsonl", manifest);
  const std::string info = redis.cli({"INFO", "memory"});
  const auto at = info.find("used_memory:") + std::string("used_memory:").size();
  const auto used = std::stoll(info.substr(at, info.find('\r', at) - at));
  redis.cli({"CONFIG", "SET", "maxmemory", std::to_string(used + 3 * 1024 * 1024)});
  const auto args =
      with_redis(redis, {"enqueue", "--kind", "noop", dir / "tasks.jsonl", "--output", dir / "out", "--json"});
  const auto full = test::swath(args);
  INFO(full.err);
  CHECK(full.exit_code == 1);
  const auto first = core::Json::parse(full.out);
  const auto queued = first.at("enqueued").as_int();
  CHECK(queued > 0);
  CHECK(first.at("not_queued").as_int() == 20000 - queued);
  CHECK(first.at("error").as_string().find("OOM") != std::string::npos);
  CHECK(full.err.find("Redis refused " + std::to_string(20000 - queued) + " of 20000 tasks") != std::string::npos);
  CHECK(full.err.find("run the same command again") != std::string::npos);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:unfinished"}) == std::to_string(queued));

  redis.cli({"CONFIG", "SET", "maxmemory", "0"});
  const auto rest = test::swath(args);
  CHECK(rest.exit_code == 0);
  const auto second = core::Json::parse(rest.out);
  CHECK(second.at("enqueued").as_int() == 20000 - queued);
  CHECK(second.at("duplicates_skipped").as_int() == queued);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:unfinished"}) == "20000");
}
