// A big job's task records in small hashes (buckets) that Redis keeps as listpacks: found, expired and kept
// again like one hash, at a fraction of a hash table's bytes per task.
#include <doctest/doctest.h>

#include <sstream>

#include "queue/admin.hpp"
#include "queue/client.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

queue::Task task(int n) {
  queue::Task t;
  t.kind = "noop";
  t.inputs = {"/in/" + std::to_string(n)};
  t.output = "/out";
  t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
  return t;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("queue: a big job keeps its records in listpack buckets, found, expired and kept again as one hash") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "b"};
  queue::migrate(connection, client.keys());  // buckets only once no worker of layout 2 serves the queue
  constexpr int n = 320;
  std::vector<queue::Task> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(task(i));
  REQUIRE(client.enqueue(tasks, false).enqueued == n);
  const auto first = client.lease("w", 1, 60000, 15).tasks.at(0);
  const std::string base = "swath:{b}:job:" + first.job() + ":t";
  CHECK(redis.cli({"HGET", "swath:{b}:job:" + first.job(), "buckets"}) == "10");  // ~32 records each
  const auto buckets = lines(redis.cli({"KEYS", base + ":*"}));
  REQUIRE(buckets.size() == 10);
  CHECK(redis.cli({"EXISTS", base}) == "0");
  long long bytes = 0;
  for (const auto& key : buckets) {
    CAPTURE(key);
    CHECK(redis.cli({"OBJECT", "ENCODING", key}) == "listpack");
    // The layout: each record in bucket <its id's first 6 hex digits mod buckets>, named in decimal.
    const std::string bucket = key.substr(base.size() + 1);
    for (const auto& id : lines(redis.cli({"HKEYS", key}))) {
      CHECK(std::to_string(std::stoul(id.substr(0, 6), nullptr, 16) % 10) == bucket);
    }
    bytes += std::stoll(redis.cli({"MEMORY", "USAGE", key, "SAMPLES", "0"}));
  }
  CHECK(bytes / n < 80);  // in one hash table: ~120 B per record of this size

  // The same tasks again, in an enqueue of another size: each found in its bucket (not queued again).
  const std::vector<queue::Task> again(tasks.begin(), tasks.begin() + 7);
  CHECK(client.enqueue(again, false).duplicates == 7);

  // All but the first done: nothing expires while one task is unfinished...
  const auto rest = client.lease("w", 1000, 60000, 15).tasks;
  REQUIRE(rest.size() == static_cast<std::size_t>(n - 1));
  std::vector<queue::Commit> commits;
  for (const auto& l : rest) commits.push_back({l.id, l.token, "{}", "{}", 0.1, false});
  client.commit(commits, 0);
  CHECK(queue::read_stats(client, 300).unfinished == 1);
  for (const auto& key : buckets) CHECK(redis.cli({"TTL", key}) == "-1");
  // ... then it fails for good: dead, its reason read from its bucket, and every key of the job expires.
  CHECK(client.fail({{first.id, first.token, "bad input", true, 0}}, 3) == std::vector<std::string>{"dead"});
  const auto dead = client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].error == "bad input");
  for (const auto& key : buckets) CHECK(std::stoll(redis.cli({"TTL", key})) > 0);
  CHECK(std::stoll(redis.cli({"TTL", "swath:{b}:job:" + first.job()})) > 0);
  // A task of the job forced again: the job is kept again, all of it.
  CHECK(client.enqueue({tasks[3]}, true).enqueued == 1);
  for (const auto& key : buckets) CHECK(redis.cli({"TTL", key}) == "-1");
  CHECK(redis
            .cli({"HGET", base + ":" + std::to_string(std::stoul(tasks[3].id.substr(0, 6), nullptr, 16) % 10),
                  tasks[3].id})
            .rfind("r0,0,n|", 0) == 0);
}

TEST_CASE("queue: records too long for a listpack stay in one hash, unless Redis keeps longer values small") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "b"};
  queue::migrate(connection, client.keys());  // buckets only once no worker of layout 2 serves the queue
  auto long_tasks = [](const std::string& output) {
    std::vector<queue::Task> tasks;
    for (int i = 0; i < 200; ++i) {
      auto t = task(i);
      t.inputs = {"/a/path/long/enough/that/the/record/is/over/sixty-four/bytes/" + std::to_string(i) + ".tif"};
      t.output = output;
      t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
      tasks.push_back(t);
    }
    return tasks;
  };
  const auto first = long_tasks("/out1");
  REQUIRE(client.enqueue(first, false).enqueued == 200);
  const std::string job = queue::make_job_id("noop", first[0].options, "/out1");
  CHECK(redis.cli({"HGET", "swath:{b}:job:" + job, "buckets"}) == "1");  // buckets of hash tables would cost more
  CHECK(redis.cli({"HLEN", "swath:{b}:job:" + job + ":t"}) == "200");

  redis.cli({"CONFIG", "SET", "hash-max-listpack-value", "256"});
  REQUIRE(client.enqueue(long_tasks("/out2"), false).enqueued == 200);
  const std::string job2 = queue::make_job_id("noop", first[0].options, "/out2");
  CHECK(redis.cli({"HGET", "swath:{b}:job:" + job2, "buckets"}) == "6");
  CHECK(redis.cli({"OBJECT", "ENCODING", "swath:{b}:job:" + job2 + ":t:0"}) == "listpack");
}

TEST_CASE("queue: a job enqueued again in a bigger batch keeps its records in the buckets it was created with") {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "b"};
  queue::migrate(connection, client.keys());
  std::vector<queue::Task> tasks;
  for (int i = 0; i < 640; ++i) tasks.push_back(task(i));
  REQUIRE(client.enqueue({tasks.begin(), tasks.begin() + 320}, false).enqueued == 320);  // 10 buckets
  // Sized alone, these would be 20 buckets (the client makes their keys for 20): the job's own 10 win.
  const auto counts = client.enqueue(tasks, false);
  CHECK(counts.enqueued == 320);
  CHECK(counts.duplicates == 320);
  const std::string base = "swath:{b}:job:" + queue::make_job_id("noop", tasks[0].options, "/out") + ":t";
  const auto buckets = lines(redis.cli({"KEYS", base + ":*"}));
  CHECK(buckets.size() == 10);
  std::size_t records = 0;
  for (const auto& key : buckets) {
    for (const auto& id : lines(redis.cli({"HKEYS", key}))) {
      CHECK(base + ":" + std::to_string(std::stoul(id.substr(0, 6), nullptr, 16) % 10) == key);
      ++records;
    }
  }
  CHECK(records == tasks.size());
  CHECK(client.lease("w", 2000, 60000, 15).tasks.size() == tasks.size());  // every one found by the lease
}
