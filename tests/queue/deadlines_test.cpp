// Job deadlines in the stats: every deadline ahead, soonest first, with the tasks to start by then (cumulative,
// started ones left out), as scale-plan plans for them.
#include <doctest/doctest.h>

#include <chrono>

#include "queue/client.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<queue::Task> job(const std::string& name, int tasks, std::int64_t deadline_ms) {
  std::vector<queue::Task> out;
  for (int i = 0; i < tasks; ++i) {
    queue::Task t;
    t.kind = "noop";
    t.inputs = {"/in/" + name + std::to_string(i)};
    t.output = "/out";
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    t.job = name;
    t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    t.deadline_ms = deadline_ms;
    out.push_back(t);
  }
  return out;
}

}  // namespace

TEST_CASE("queue stats: every job deadline ahead, soonest first, with the tasks to start by then") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "d"};
  const auto soon = now_ms() + 60000, later = soon + 30000;
  client.enqueue(job("a", 3, soon), false);
  client.enqueue(job("b", 5, later), false);
  client.enqueue(job("c", 2, soon), false);  // due with a: one deadline, their tasks together
  client.enqueue(job("none", 4, 0), false);  // no deadline: not counted
  auto stats = queue::read_stats(client);
  REQUIRE(stats.deadlines.size() == 2);
  CHECK(stats.deadlines[0].deadline_ms == soon);
  CHECK(stats.deadlines[0].to_start == 5);
  CHECK(stats.deadlines[1].deadline_ms == later);
  CHECK(stats.deadlines[1].to_start == 10);  // b's 5 wait for the 5 due before them
  auto json = queue::to_json(stats);
  CHECK(json.at("deadline_unfinished").as_int() == 5);
  CHECK(json.at("deadlines").as_array().size() == 2);
  CHECK(json.at("deadlines").as_array()[1].at("to_start").as_int() == 10);
  CHECK(json.at("deadlines").as_array()[1].at("seconds_left").as_double() > 80);

  // Leased tasks have started: they need no pod by the deadline (they were counted as if waiting).
  const auto batch = client.lease("w", 2, 30000, 15);
  REQUIRE(batch.tasks.size() == 2);
  CHECK(batch.tasks[0].job() == "a");
  stats = queue::read_stats(client);
  REQUIRE(stats.deadlines.size() == 2);
  CHECK(stats.deadlines[0].to_start == 3);
  CHECK(stats.deadlines[1].to_start == 8);
  // A job whose tasks have all started leaves the deadlines the planner reads.
  std::vector<queue::Commit> commits;
  for (const auto& l : batch.tasks) commits.push_back({l.id, l.token, "{}", "{}", 0.5, false});
  client.commit(commits, 5000);
  const auto rest = client.lease("w", 1, 30000, 15);  // a's last
  REQUIRE(rest.tasks.size() == 1);
  CHECK(rest.tasks[0].job() == "a");
  stats = queue::read_stats(client);
  CHECK(stats.deadlines[0].to_start == 2);  // c's alone
  CHECK(queue::to_text(stats).find(": 7 task(s) to start by then") != std::string::npos);
}

TEST_CASE("queue stats: a deadline shared by more jobs than one read takes is counted whole") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "many"};
  const auto deadline = now_ms() + 60000;
  std::vector<queue::Task> tasks;
  for (int i = 0; i < 300; ++i) {  // one enqueue's 300 jobs of 2 tasks, all due then
    auto two = job("j" + std::to_string(i), 2, deadline);
    tasks.insert(tasks.end(), two.begin(), two.end());
  }
  client.enqueue(tasks, false);
  client.enqueue(job("later", 1, deadline + 1000), false);
  const auto stats = queue::read_stats(client);
  REQUIRE(stats.deadlines.size() == 1);  // the later one lies beyond the jobs one read takes
  CHECK(stats.deadlines[0].deadline_ms == deadline);
  CHECK(stats.deadlines[0].to_start == 600);  // was 512: the first 256 jobs' tasks only
}
