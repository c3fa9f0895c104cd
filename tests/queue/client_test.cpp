// The queue's Lua scripts against a real redis-server: dedupe, priorities, fencing, retries, dead letters, stats.
#include <doctest/doctest.h>

#include <cstdlib>
#include <thread>

#include "core/errors.hpp"
#include "queue/client.hpp"
#include "queue/redis_url.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

queue::Task task(const std::string& name, queue::Priority p = queue::Priority::normal) {
  queue::Task t;
  t.kind = "noop";
  t.inputs = {"/in/" + name};
  t.output = "/out";
  t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
  t.priority = p;
  t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  return t;
}

std::vector<std::string> input_names(const queue::LeaseBatch& batch) {
  std::vector<std::string> out;
  for (const auto& l : batch.tasks) out.push_back(queue::parse_task(l.envelope).inputs.at(0).substr(4));
  return out;
}

struct Fixture {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "q"};
};

}  // namespace

TEST_CASE("queue: enqueueing the same work twice is a no-op unless forced after it finished") {
  Fixture f;
  auto counts = f.client.enqueue({task("a"), task("b")}, false);
  CHECK(counts.enqueued == 2);
  counts = f.client.enqueue({task("a"), task("c")}, true);  // forced, but a is still waiting
  CHECK(counts.enqueued == 1);
  CHECK(counts.duplicates == 1);
  const auto batch = f.client.lease("w", 10, 30000, 15);
  REQUIRE(batch.tasks.size() == 3);
  std::vector<queue::Commit> commits;
  for (const auto& l : batch.tasks) commits.push_back({l.id, l.token, "{}", "{}", 0.5});
  CHECK(f.client.commit(commits, 5000) == std::vector<bool>{true, true, true});
  const std::string job = "swath:{q}:job:" + batch.tasks[0].job();
  CHECK(std::stoll(f.redis.cli({"TTL", job + ":t"})) > 0);  // a finished job's records expire
  CHECK(f.client.enqueue({task("a")}, false).duplicates == 1);
  CHECK(f.client.enqueue({task("a")}, true).enqueued == 1);
  CHECK(f.redis.cli({"TTL", job + ":t"}) == "-1");  // kept while it has work again
}

TEST_CASE("queue: --force leaves a task whose files are being moved to finish; once moved it is queued again") {
  Fixture f;
  REQUIRE(f.client.enqueue({task("a")}, false).enqueued == 1);
  const auto batch = f.client.lease("w", 1, 30000, 15);
  REQUIRE(batch.tasks.size() == 1);
  const auto& l = batch.tasks[0];
  REQUIRE(f.client.commit({{l.id, l.token, "{\"files\":{}}", "{}", 0.5, true}}, 60000).at(0));  // finishing
  auto counts = f.client.enqueue({task("a")}, true);
  CHECK(counts.enqueued == 0);
  CHECK(counts.duplicates == 1);
  CHECK(f.redis.cli({"ZCARD", "swath:{q}:finishing"}) == "1");
  CHECK(f.client.lease("w", 1, 30000, 15).tasks.empty());
  f.client.finished({{l.id, l.token}});
  CHECK(f.client.enqueue({task("a")}, true).enqueued == 1);
  CHECK(f.client.lease("w", 1, 30000, 15).tasks.size() == 1);
}

TEST_CASE("queue: high runs first in FIFO order, low waits until nothing else does, whenever it was queued") {
  Fixture f;
  using P = queue::Priority;
  f.client.enqueue({task("l1", P::low), task("l0", P::low)}, false);
  CHECK(f.redis.cli({"LLEN", "swath:{q}:low"}) == "2");  // low tasks wait in their own list, even alone
  // Normal work queued later still runs before them (they were on the ready list ahead of it).
  f.client.enqueue({task("n1"), task("l2", P::low), task("h1", P::high), task("n2"), task("h2", P::high)}, false);
  f.client.enqueue({task("h3", P::high), task("l3", P::low)}, false);
  auto s = queue::read_stats(f.client);
  CHECK(s.depth == 9);
  CHECK(s.high == 3);
  CHECK(s.normal == 2);
  CHECK(s.low == 4);
  CHECK(s.backlog == 5);  // the ready list: high and normal
  CHECK(input_names(f.client.lease("w", 4, 30000, 15)) == std::vector<std::string>{"h1", "h2", "h3", "n1"});
  CHECK(queue::read_stats(f.client).backlog == 1);
  // The ready list runs short: the lows fill the lease, in their order.
  CHECK(input_names(f.client.lease("w", 3, 30000, 15)) == std::vector<std::string>{"n2", "l1", "l0"});
  s = queue::read_stats(f.client);
  CHECK(s.backlog == 0);
  CHECK(s.depth == 2);
  // A task enqueued again (a duplicate: it is running) changes nothing; a high one runs before the lows left.
  CHECK(f.client.enqueue({task("n1")}, false).duplicates == 1);
  f.client.enqueue({task("h4", P::high)}, false);
  CHECK(input_names(f.client.lease("w", 5, 30000, 15)) == std::vector<std::string>{"h4", "l2", "l3"});
  CHECK(queue::read_stats(f.client).depth == 0);
  // A worker asks for lows for its free slots only (its prefetch would hold them while later high work waits).
  f.client.enqueue({task("l5", P::low), task("l6", P::low)}, false);
  CHECK(input_names(f.client.lease("w", 5, 30000, 15, 1)) == std::vector<std::string>{"l5"});
  CHECK(input_names(f.client.lease("w", 5, 30000, 15, 0)).empty());
  CHECK(input_names(f.client.lease("w", 5, 30000, 15)) == std::vector<std::string>{"l6"});
  // A low task whose record is gone is dead-lettered so, and counted out of the low count, not the normal one.
  f.client.enqueue({task("l4", P::low)}, false);
  const std::string el = f.redis.cli({"LINDEX", "swath:{q}:low", "0"});
  const auto colon = el.find(':');
  REQUIRE(colon != std::string::npos);
  REQUIRE(f.redis.cli({"HDEL", "swath:{q}:job:" + el.substr(0, colon) + ":t", el.substr(colon + 1)}) == "1");
  CHECK(f.client.lease("w", 5, 30000, 15).tasks.empty());
  s = queue::read_stats(f.client);
  CHECK(s.low == 0);
  CHECK(s.normal == 0);
}

TEST_CASE("queue: dead tasks trimmed past dead_max leave their job's counts, as purged ones do") {
  Fixture f;
  f.client.enqueue({task("a"), task("b"), task("c")}, false, 500, 3600, 2);  // at most 2 dead kept
  const auto batch = f.client.lease("w", 3, 30000, 15);
  REQUIRE(batch.tasks.size() == 3);
  std::vector<queue::Failure> failures;
  for (const auto& t : batch.tasks) failures.push_back({t.id, t.token, "not a raster", true, 0});
  CHECK(f.client.fail(failures, 2).size() == 3);
  CHECK(f.client.dead_list(0, -1).size() == 2);
  const auto job = batch.tasks[0].id.substr(0, batch.tasks[0].id.find(':'));
  const auto info = f.client.jobs(job).at(0);
  CHECK(info.dead == 2);  // was 3: one no list holds, which no purge could clear
  CHECK(info.tasks == 2);
}

TEST_CASE("queue: a fencing token whose lease expired cannot commit; the task is leased again") {
  Fixture f;
  f.client.enqueue({task("a")}, false);
  const auto first = f.client.lease("w1", 1, 300, 15);
  REQUIRE(first.tasks.size() == 1);
  CHECK(first.tasks[0].attempt == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(f.client.commit({{first.tasks[0].id, first.tasks[0].token, "{}", "{}", 1}}, 5000) == std::vector<bool>{false});
  const auto second = f.client.lease("w2", 1, 30000, 15);
  REQUIRE(second.tasks.size() == 1);
  CHECK(second.tasks[0].id == first.tasks[0].id);
  CHECK(second.tasks[0].attempt == 2);
  CHECK(second.tasks[0].token != first.tasks[0].token);
  CHECK(f.client.renew("w1", 30000, {{first.tasks[0].id, first.tasks[0].token}}) ==
        std::vector<std::string>{first.tasks[0].id});
  CHECK(f.client.renew("w2", 30000, {{second.tasks[0].id, second.tasks[0].token}}).empty());
  CHECK(f.client.commit({{second.tasks[0].id, second.tasks[0].token, "{}", "{}", 1}}, 5000) == std::vector<bool>{true});
  // A repeated call (lost reply, reconnect) is accepted and does not count twice.
  CHECK(f.client.commit({{second.tasks[0].id, second.tasks[0].token, "{}", "{}", 1}}, 5000) == std::vector<bool>{true});
  // Done: its record keeps only the token that committed it.
  const auto& done = second.tasks[0];
  CHECK(f.redis.cli({"HGET", "swath:{q}:job:" + done.job() + ":t", done.task_id()}) == "d" + done.token);
  CHECK(queue::read_stats(f.client).done == 1);
}

TEST_CASE("queue: failures retry after a delay, then dead-letter; bad input dead-letters at once") {
  Fixture f;
  f.client.enqueue({task("flaky"), task("bad")}, false);
  auto batch = f.client.lease("w", 2, 30000, 15);
  REQUIRE(batch.tasks.size() == 2);
  const auto& flaky = batch.tasks[0];
  const auto& bad = batch.tasks[1];
  CHECK(f.client.fail({{flaky.id, flaky.token, "timeout", false, 100}, {bad.id, bad.token, "not a raster", true, 0}},
                      2) == std::vector<std::string>{"retry", "dead"});
  auto s = queue::read_stats(f.client);
  CHECK(s.delayed == 1);
  CHECK(s.dead == 1);
  CHECK(f.client.lease("w", 1, 30000, 15).tasks.empty());  // not yet due
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  batch = f.client.lease("w", 1, 30000, 15);
  REQUIRE(batch.tasks.size() == 1);
  CHECK(batch.tasks[0].attempt == 2);
  CHECK(f.client.fail({{batch.tasks[0].id, batch.tasks[0].token, "timeout again", false, 100}}, 2) ==
        std::vector<std::string>{"dead"});
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 2);
  CHECK(dead[0].error == "not a raster");
  CHECK(dead[1].error == "timeout again");
  CHECK(dead[1].failures == 2);
  CHECK(f.client.dead_retry({dead[0].id}) == 1);
  CHECK(queue::read_stats(f.client).depth == 1);
  const auto job = dead[1].id.substr(0, dead[1].id.find(':'));
  const auto tasks_before = f.client.jobs(job).at(0).tasks;
  CHECK(f.client.dead_purge({}) == 1);
  CHECK(queue::read_stats(f.client).dead == 0);
  // Purged, it is gone from its job: counted neither dead nor among its tasks (enqueued again, it is new there).
  CHECK(f.client.jobs(job).at(0).dead == 0);
  CHECK(f.client.jobs(job).at(0).tasks == tasks_before - 1);
  CHECK(f.redis.cli({"HEXISTS", "swath:{q}:job:" + dead[1].id.substr(0, dead[1].id.find(':')) + ":t",
                     dead[1].id.substr(dead[1].id.find(':') + 1)}) == "0");
}

TEST_CASE("queue: a raw element pushed by a foreign producer becomes a task that can be dead-lettered") {
  Fixture f;
  f.redis.cli({"RPUSH", "swath:{q}:ready", "this is not json"});
  const auto batch = f.client.lease("w", 5, 30000, 15);
  REQUIRE(batch.tasks.size() == 1);
  CHECK(batch.tasks[0].task_id().rfind("raw-", 0) == 0);
  CHECK(batch.tasks[0].envelope == "this is not json");
}

TEST_CASE("queue: handing back a lease makes the task ready again without using an attempt") {
  Fixture f;
  f.client.enqueue({task("a")}, false);
  const auto batch = f.client.lease("w", 1, 30000, 15);
  CHECK(f.client.release({{batch.tasks[0].id, batch.tasks[0].token}}) == 1);
  CHECK(f.client.release({{batch.tasks[0].id, batch.tasks[0].token}}) == 0);
  const auto again = f.client.lease("w", 1, 30000, 15);
  REQUIRE(again.tasks.size() == 1);
  CHECK(again.tasks[0].attempt == 1);
}

TEST_CASE("queue: stats JSON has exactly the shared contract's keys, in order") {
  Fixture f;
  CHECK_FALSE(queue::read_stats(f.client).exists);  // a name nothing was enqueued on: zeros, and said so
  f.client.enqueue({task("a"), task("b", queue::Priority::high)}, false);
  const auto batch = f.client.lease("w", 1, 30000, 15);
  f.client.renew("w", 30000, {});
  const auto json = queue::to_json(queue::read_stats(f.client));
  std::vector<std::string> keys;
  for (const auto& [k, v] : json.as_object()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"schema",
                                         "queue",
                                         "depth",
                                         "depth_by_priority",
                                         "in_flight",
                                         "delayed",
                                         "dead",
                                         "done",
                                         "backlog",
                                         "finishing",
                                         "unfinished",
                                         "workers",
                                         "throughput_per_second",
                                         "task_seconds",
                                         "window_seconds",
                                         "exists",
                                         "jobs",
                                         "earliest_deadline",
                                         "seconds_to_earliest_deadline",
                                         "deadline_unfinished",
                                         "deadlines"});
  CHECK(json.at("earliest_deadline").is_null());  // no job with a deadline
  CHECK(json.at("exists").as_bool());
  CHECK(json.at("schema").as_string() == "swath.queue.stats/1");
  CHECK(json.at("depth").as_int() == 1);
  CHECK(json.at("depth_by_priority").at("normal").as_int() == 1);
  CHECK(json.at("in_flight").as_int() == 1);
  CHECK(json.at("backlog").as_int() == 1);
  CHECK(json.at("workers").as_int() == 1);
  f.client.commit({{batch.tasks[0].id, batch.tasks[0].token, "{}", "{}", 2.5}}, 5000);
  const auto after = queue::to_json(queue::read_stats(f.client, 60));
  CHECK(after.at("task_seconds").at("p50").as_double() == doctest::Approx(2.5));
  CHECK(after.at("task_seconds").at("count").as_int() == 1);
  CHECK(after.at("throughput_per_second").as_double() == doctest::Approx(1.0 / 60).epsilon(0.05));
  CHECK(queue::fetch_stats_json(queue::parse_redis_url(f.redis.url()), "q", false) ==
        queue::to_json(queue::read_stats(f.client)));
}

TEST_CASE("queue: connection errors are clear and never show the password") {
  test::RedisServer redis({.password = "correct-horse"});
  auto endpoint = queue::parse_redis_url("redis://:wrong-battery@127.0.0.1:" + std::to_string(redis.port()) + "/0");
  try {
    queue::Connection c(endpoint);
    FAIL("connected");
  } catch (const core::IoError& e) {
    const auto text = core::describe(e);
    CHECK(text.find("cannot log in to Redis") != std::string::npos);
    CHECK(text.find("wrong-battery") == std::string::npos);
  }
  endpoint.password.clear();
  CHECK_THROWS_WITH_AS(queue::Connection{endpoint}, doctest::Contains("the server requires a password"), core::IoError);
  endpoint.password = "correct-horse";
  CHECK_NOTHROW(queue::Connection{endpoint});
  endpoint.port = test::free_port();
  CHECK_THROWS_WITH_AS(queue::Connection{endpoint}, doctest::Contains("cannot connect to Redis at redis://127.0.0.1:"),
                       queue::ConnectionLost);
}

TEST_CASE("queue: a server without AOF is reported; one with an evicting policy is refused unless allowed") {
  Fixture f;
  CHECK(f.connection.check_durability(false).empty());
  f.redis.cli({"CONFIG", "SET", "appendonly", "no"});
  const auto warnings = f.connection.check_durability(false);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("has no AOF") != std::string::npos);
  for (const std::string policy : {"allkeys-lru", "volatile-ttl", "allkeys-random"}) {
    CAPTURE(policy);
    f.redis.cli({"CONFIG", "SET", "maxmemory-policy", policy});
    CHECK_THROWS_WITH_AS(
        f.connection.check_durability(false),
        doctest::Contains(("maxmemory-policy is " + policy + ": under memory pressure it deletes keys").c_str()),
        core::IoError);
    const auto allowed = f.connection.check_durability(true);
    REQUIRE(allowed.size() == 2);
    CHECK(allowed[1].find("allowed by --allow-eviction") != std::string::npos);
  }
}

TEST_CASE(
    "queue: a script cache flushed under a connected client costs nothing: enqueue, pipelined lease and commit run") {
  Fixture f;
  queue::Connection admin{queue::parse_redis_url(f.redis.url())};
  f.client.enqueue({task("a"), task("b")}, false);
  const auto first = f.client.lease("w", 1, 60000, 10);  // loads the scripts this client uses
  REQUIRE(first.leased == 1);
  CHECK(f.client.commit({{first.tasks[0].id, first.tasks[0].token, "{}", "{}", 0.1, false}}, 5000) ==
        std::vector<bool>{true});

  admin.command({"SCRIPT", "FLUSH"});
  f.client.send_lease("w", 1, 60000, 10);
  const auto batch = f.client.receive_lease();  // NOSCRIPT: nothing ran, so it leases again
  REQUIRE(batch.leased == 1);
  admin.command({"SCRIPT", "FLUSH"});
  CHECK(f.client.enqueue({task("c")}, false).enqueued == 1);
  admin.command({"SCRIPT", "FLUSH"});
  const auto& leased = batch.tasks.front();
  f.client.send_commit({{leased.id, leased.token, "{}", "{}", 0.1, false}}, 5000);
  CHECK_FALSE(f.client.receive_commit().has_value());  // NOSCRIPT: the caller sends it again, as the Settler does
  CHECK(f.client.commit({{leased.id, leased.token, "{}", "{}", 0.1, false}}, 5000) == std::vector<bool>{true});
}

TEST_CASE("queue: connections sharing a ContactWatch give up on a hung Redis together, not one timeout each") {
  test::RedisServer redis;
  auto watch = std::make_shared<queue::ContactWatch>();
  queue::ConnectOptions options;
  options.command_timeout = std::chrono::milliseconds(2000);
  options.reconnect_timeout = std::chrono::milliseconds(1000);
  options.contact = watch;
  queue::Connection first(queue::parse_redis_url(redis.url()), options);
  queue::Connection second(queue::parse_redis_url(redis.url()), options);
  redis.freeze();
  // The first notices after its command timeout, then tries to reconnect for a second: the server accepts but
  // never answers, so each try is cut to what is left of that second.
  CHECK_THROWS_WITH_AS(first.with_reconnect([&] { return first.command({"PING"}); }),
                       doctest::Contains("no answer within"), core::IoError);
  CHECK(watch->lost_since_ms.load() != 0);
  // The second has not noticed yet; its budget ran out with the first's: it gives up at once instead of waiting its
  // own command timeout (2 s) and reconnect timeout (1 s).
  const auto asked = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(second.with_reconnect([&] { return second.command({"PING"}); }), core::IoError);
  CHECK(std::chrono::steady_clock::now() - asked < std::chrono::milliseconds(1500));
  redis.thaw();
  // A connection of the group that reaches Redis again clears the loss: the others get their full timeouts back.
  watch->lost_since_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
  CHECK(second.with_reconnect([&] { return second.command({"PING"}); }).text == "PONG");
  CHECK(watch->lost_since_ms.load() == 0);
}

TEST_CASE("queue: an ACL user named in the URL (user:@) logs in with the password from the environment") {
  test::RedisServer redis;
  redis.cli({"ACL", "SETUSER", "tiler", "on", ">battery-staple", "~*", "&*", "+@all"});
  auto endpoint = queue::parse_redis_url("redis://tiler:@127.0.0.1:" + std::to_string(redis.port()) + "/0");
  ::setenv("SWATH_REDIS_PASSWORD", "battery-staple", 1);
  queue::resolve_password(endpoint, "");
  ::unsetenv("SWATH_REDIS_PASSWORD");
  queue::Connection connection(endpoint);
  CHECK(connection.command({"ACL", "WHOAMI"}).text == "tiler");
  // No password found: it logs in as that user all the same (refused), never silently as the default user.
  const auto unauthenticated =
      queue::parse_redis_url("redis://tiler:@127.0.0.1:" + std::to_string(redis.port()) + "/0");
  CHECK_THROWS_WITH_AS(queue::Connection{unauthenticated}, doctest::Contains("refused user 'tiler' without a password"),
                       core::IoError);
}
