// `swath worker` while Redis runs another client's long script (it answers BUSY to every other command): the
// worker waits it out, as it waits for a restarting Redis, instead of exiting. A read-only replica is said as such.
#include <doctest/doctest.h>

#include <csignal>

#include "cli/fleet_support.hpp"

using namespace swath;
using namespace swath::test::fleet;

namespace {

// Another client's script that holds Redis for `seconds`; Redis answers BUSY to others after 100 ms of it.
std::unique_ptr<test::Background> busy_script(const test::RedisServer& redis, int seconds) {
  REQUIRE(redis.cli({"CONFIG", "SET", "busy-reply-threshold", "100"}) == "OK");
  const std::string lua = "local s = tonumber(redis.call('TIME')[1]) while tonumber(redis.call('TIME')[1]) < s + " +
                          std::to_string(seconds) + " do end return 1";
  auto script = std::make_unique<test::Background>(
      std::vector<std::string>{"redis-cli", "-p", std::to_string(redis.port()), "EVAL", lua, "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  REQUIRE(redis.cli({"PING"}).rfind("BUSY", 0) == 0);
  return script;
}

}  // namespace

TEST_CASE("worker: Redis busy with another client's script is waited out, at start and while leasing") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "a");
  test::write_text(dir / "in/b.txt", "b");
  // At start: its first command (PING) met BUSY. Was: "cannot use Redis ... BUSY", exit 1.
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "noop", dir / "in/a.txt", "--output", dir / "out"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto script = busy_script(redis, 2);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(r.err.find(R"(\"committed\":1,)") != std::string::npos, r.err);
  script->wait();
  // While leasing: its lease script met BUSY. Was: "Redis failed swath's lease script: BUSY", exit 1.
  test::Background worker(binary(with_redis(redis, {"worker", "--grace", "5"})));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // leasing from an empty queue
  script = busy_script(redis, 2);
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "noop", dir / "in/b.txt", "--output", dir / "out"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  script->wait();
  wait_until([&] { return redis.cli({"HGET", "swath:{fleet}:stats", "done"}) == "2"; });
  CHECK(worker.running());
  worker.signal(SIGTERM);
  const auto stopped = worker.wait();
  CHECK_MESSAGE(stopped.exit_code == 130, stopped.err);  // stopped by a signal, as every command says
  CHECK(stopped.err.find("failed swath's") == std::string::npos);
}

TEST_CASE("enqueue, worker: a read-only replica is refused as such; queue stats still reads it") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 32, 32);
  REQUIRE(redis.cli({"REPLICAOF", "127.0.0.1", "1"}) == "OK");  // a replica (of no reachable primary) takes no writes
  // Was: "Redis refused swath's claim script: READONLY ..." (enqueue), "Redis ... is unreachable" (worker).
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "checksum", scene, "--output", dir / "out"}));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("is a read-only replica: this command writes to the queue (hint: point --redis at the "
                           "primary)") != std::string::npos,
                r.err);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty"}));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("is a read-only replica") != std::string::npos, r.err);
  r = test::swath(with_redis(redis, {"queue", "dead", "purge", "--all"}));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("point --redis at the primary") != std::string::npos, r.err);
  CHECK(test::swath(with_redis(redis, {"queue", "stats"})).exit_code == 0);
}
