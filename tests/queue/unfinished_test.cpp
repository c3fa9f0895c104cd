// The scaling signal and the end of a task: `unfinished` counts every task not yet finished through every
// transition, commits stay unfinished until their files are in place, and a task whose record vanished says so.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "core/errors.hpp"
#include "queue/client.hpp"
#include "queue/stats.hpp"
#include "support/redis_server.hpp"

using namespace swath;

namespace {

queue::Task task(int n, queue::Priority p = queue::Priority::normal) {
  queue::Task t;
  t.kind = "noop";
  t.inputs = {"/in/" + std::to_string(n)};
  t.output = "/out";
  t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
  t.priority = p;
  t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  return t;
}

struct Fixture {
  test::RedisServer redis;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "u"};

  // Through a connection of the test's own, not redis-cli: the walk below counts after each of its 400 steps.
  queue::Connection counter{queue::parse_redis_url(redis.url())};

  long long count(const char* command, const std::string& key) {
    return counter.command({command, "swath:{u}:" + key}).as_int();
  }
  long long unfinished() { return count("LLEN", "unfinished"); }
  // What the signal must equal: every waiting, running, retrying or not-yet-moved task.
  long long open_tasks() {
    return count("LLEN", "ready") + count("LLEN", "low") + count("ZCARD", "delayed") + count("ZCARD", "leased") +
           count("ZCARD", "finishing");
  }
};

}  // namespace

TEST_CASE("queue: unfinished counts waiting, running, retrying and unmoved tasks through every transition") {
  Fixture f;
  std::mt19937 random{7};
  std::vector<queue::Leased> held;
  std::vector<queue::LeaseRef> finishing;  // commits waiting for their move: id, token
  int next = 0;
  for (int step = 0; step < 400; ++step) {
    CAPTURE(step);
    const int action = static_cast<int>(random() % 9);
    if (action == 0) {
      std::vector<queue::Task> tasks;
      const auto p = static_cast<queue::Priority>(random() % 3);
      for (int i = 0; i < 1 + static_cast<int>(random() % 5); ++i) tasks.push_back(task(next++, p));
      tasks.push_back(task(static_cast<int>(random() % (next + 1))));  // often a duplicate
      f.client.enqueue(tasks, random() % 4 == 0);                      // sometimes forced (done or dead again)
    } else if (action == 1) {
      for (auto& l : f.client.lease("w", 1 + random() % 4, 60000, 100).tasks) held.push_back(l);
    } else if (!held.empty() && action <= 6) {
      const auto l = held.back();
      held.pop_back();
      if (action == 2) {
        f.client.commit({{l.id, l.token, "{\"files\":{}}", "{}", 0.1, false}}, 60000);
      } else if (action == 3) {
        f.client.commit({{l.id, l.token, "{\"files\":{}}", "{}", 0.1, true}}, 60000);
        finishing.emplace_back(l.id, l.token);
      } else if (action == 4) {
        f.client.fail({{l.id, l.token, "transient", false, 0}}, 3);
      } else if (action == 5) {
        f.client.fail({{l.id, l.token, "bad input", true, 0}}, 3);
      } else {
        f.client.release({{l.id, l.token}});
      }
    } else if (action == 7 && !finishing.empty()) {
      if (random() % 2 == 0) {
        f.client.finished({finishing.back()});
      } else {
        f.client.finish_failed({{finishing.back().first, finishing.back().second, "rename failed"}}, 2, 0);
      }
      finishing.pop_back();
    } else if (action == 8) {
      f.client.dead_retry({});
    }
    REQUIRE(f.unfinished() == f.open_tasks());
  }
  CHECK(f.unfinished() > 0);
  const auto stats = queue::read_stats(f.client, 300);
  CHECK(stats.unfinished == f.unfinished());
  CHECK(stats.finishing == f.count("ZCARD", "finishing"));
}

TEST_CASE("queue: a commit with files stays unfinished until moved; another worker may claim it once due") {
  Fixture f;
  f.client.enqueue({task(1), task(2)}, false);
  const auto batch = f.client.lease("w", 2, 60000, 15);
  REQUIRE(batch.tasks.size() == 2);
  const std::string outputs = R"({"staging":"/out/.swath-staging/x","dir":"/out","files":{"a":"00"}})";
  f.client.commit({{batch.tasks[0].id, batch.tasks[0].token, outputs, "{}", 0.1, true},
                   {batch.tasks[1].id, batch.tasks[1].token, "", "{}", 0.1, false}},
                  200);
  auto next = f.client.lease("other", 1, 60000, 15);
  CHECK(next.waiting == 1);        // a drain must not end: the files are not in place
  CHECK(next.due_finishing == 0);  // its worker still has 200 ms to move them
  CHECK(f.client.claim_finishing(1000).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  next = f.client.lease("other", 1, 60000, 15);
  CHECK(next.due_finishing == 1);
  const auto claimed = f.client.claim_finishing(1000);
  REQUIRE(claimed.size() == 1);
  CHECK(claimed[0].id == batch.tasks[0].id);
  CHECK(claimed[0].outputs_json == outputs);
  CHECK(f.client.claim_finishing(1000).empty());                            // held by the claimer for a second
  CHECK(f.client.still_finishing(batch.tasks[0].id, outputs));              // this commit's move is not done yet
  CHECK_FALSE(f.client.still_finishing(batch.tasks[0].id, outputs + " "));  // not under another commit
  CHECK(claimed[0].token == batch.tasks[0].token);
  f.client.finished({{batch.tasks[0].id, batch.tasks[0].token}});
  CHECK_FALSE(f.client.still_finishing(batch.tasks[0].id, outputs));  // a worker waking late: done by another
  f.client.finished(
      {{batch.tasks[0].id, batch.tasks[0].token}});  // a second worker finishing the same move changes nothing
  CHECK(f.unfinished() == 0);
  CHECK(f.client.lease("other", 1, 60000, 15).waiting == 0);
}

TEST_CASE("queue: a move that keeps failing is retried with backoff, then dead-lettered with the reason") {
  Fixture f;
  f.client.enqueue({task(1)}, false);
  const auto l = f.client.lease("w", 1, 60000, 15).tasks.at(0);
  f.client.commit({{l.id, l.token, R"({"staging":"/s","dir":"/d","files":{"a":"00"}})", "{}", 0.1, true}}, 0);
  CHECK(queue::read_stats(f.client, 300).done == 1);
  CHECK(f.client.finish_failed({{l.id, l.token, "cannot create '/d/a': Not a directory"}}, 3, 1000) ==
        std::vector<std::string>{"retry"});
  CHECK(f.client.claim_finishing(0).empty());  // not due for a second
  CHECK(f.client.finish_failed({{l.id, "9-0", "another commit's"}}, 3, 0) == std::vector<std::string>{"gone"});
  CHECK(f.client.finish_failed({{l.id, l.token, "again"}}, 3, 0) == std::vector<std::string>{"retry"});
  CHECK(f.client.finish_failed({{l.id, l.token, "cannot create '/d/a': Not a directory"}}, 3, 0) ==
        std::vector<std::string>{"dead"});
  CHECK(f.client.finish_failed({{l.id, l.token, "late"}}, 3, 0) == std::vector<std::string>{"gone"});
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].error.find("committed, but its outputs could not be moved into place (3 tries") != std::string::npos);
  CHECK(dead[0].error.find("Not a directory") != std::string::npos);
  // Dead records stay until purged or until their job's retention passes (the job has nothing unfinished).
  const auto ttl = std::stoll(f.redis.cli({"TTL", "swath:{u}:job:" + l.job() + ":t"}));
  CHECK(ttl > 0);
  CHECK(ttl <= 7 * 24 * 3600);
  const auto stats = queue::read_stats(f.client, 300);
  CHECK(stats.done == 0);
  CHECK(stats.dead == 1);
  CHECK(stats.unfinished == 0);
  CHECK(f.client.dead_retry({l.id}) == 1);  // once the cause is fixed, the task runs again
  CHECK(f.unfinished() == 1);
}

TEST_CASE("queue: a task whose record was evicted is dead-lettered saying so, not misread") {
  Fixture f;
  const auto gone = task(1);
  f.client.enqueue({gone, task(2)}, false);
  // What an evicting maxmemory-policy does to the job's records.
  f.redis.cli({"DEL", "swath:{u}:job:" + queue::make_job_id(gone.kind, gone.options, gone.output) + ":t"});
  const auto batch = f.client.lease("w", 10, 60000, 15);
  CHECK(batch.tasks.empty());  // both tasks' records were in the job's hash
  const auto dead = f.redis.cli({"LRANGE", "swath:{u}:dead", "0", "-1"});
  CHECK(dead.find(gone.id) != std::string::npos);
  CHECK(dead.find(task(2).id) != std::string::npos);
  const auto why = f.client.dead_list(0, -1);
  REQUIRE(why.size() == 2);
  for (const auto& d : why) CHECK(d.error.find("its record is gone from Redis (evicted") != std::string::npos);
  CHECK(f.unfinished() == f.open_tasks());
}

TEST_CASE("queue: unmoved commits claimed by another worker are held longer for every file it claimed") {
  Fixture f;
  f.client.enqueue({task(1), task(2)}, false);
  const auto batch = f.client.lease("w", 2, 60000, 15);
  REQUIRE(batch.tasks.size() == 2);
  const auto outputs = [](int files) {
    std::string names;
    for (int i = 0; i < files; ++i) names += (i == 0 ? "\"" : ",\"") + std::to_string(i) + "\":\"00\"";
    return R"({"staging":"/s","dir":"/d","files":{)" + names + "}}";
  };
  f.client.commit({{batch.tasks[0].id, batch.tasks[0].token, outputs(400), "{}", 0.1, true},
                   {batch.tasks[1].id, batch.tasks[1].token, outputs(100), "{}", 0.1, true}},
                  0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto before =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto claimed = f.client.claim_finishing(1000, 10);
  REQUIRE(claimed.size() == 2);
  // Was: each held 1 s, whatever it held (a worker moving 15,625 tiles saw three others take its move over).
  std::map<std::string, double> held;
  for (const auto& c : claimed) {
    held[c.id] =
        std::stod(f.counter.command({"ZSCORE", "swath:{u}:finishing", c.id}).text) - static_cast<double>(before);
  }
  for (const auto& [id, ms] : held) {  // all 500 files, as they are reported once both are moved
    CHECK(ms >= 1000 + 500 * 10);
    CHECK(ms < 1000 + 500 * 10 + 2000);
  }
}

TEST_CASE("queue: one claim takes a minute's worth of files at most, and at least one move") {
  Fixture f;
  f.client.enqueue({task(1), task(2)}, false);
  const auto batch = f.client.lease("w", 2, 60000, 15);
  REQUIRE(batch.tasks.size() == 2);
  std::string names;
  for (int i = 0; i < 400; ++i) names += (i == 0 ? "\"" : ",\"") + std::to_string(i) + "\":\"00\"";
  const std::string outputs = R"({"staging":"/s","dir":"/d","files":{)" + names + "}}";
  f.client.commit({{batch.tasks[0].id, batch.tasks[0].token, outputs, "{}", 0.1, true},
                   {batch.tasks[1].id, batch.tasks[1].token, outputs, "{}", 0.1, true}},
                  0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(f.client.claim_finishing(0, 100).size() == 1);  // 400 files at 100 ms: 40 s; both would be 80 s
  CHECK(f.client.claim_finishing(0, 200).size() == 1);  // 80 s alone: still taken, as the only one
}

TEST_CASE("queue: a stalled worker's late report does not finish or fail a later commit of the task (--force)") {
  Fixture f;
  f.client.enqueue({task(1)}, false);
  const auto first = f.client.lease("a", 1, 60000, 15).tasks.at(0);
  const std::string first_outputs = R"({"staging":"/out/.swath-staging/x.1","dir":"/out","files":{"a":"00"}})";
  REQUIRE(f.client.commit({{first.id, first.token, first_outputs, "{}", 0.1, true}}, 0).at(0));
  // Worker a stalls; another worker claims the due commit, moves its files and reports it.
  const auto claimed = f.client.claim_finishing(1000);
  REQUIRE(claimed.size() == 1);
  f.client.finished({{claimed[0].id, claimed[0].token}});
  CHECK(f.unfinished() == 0);
  // The work is enqueued again with --force and run: its commit waits for its move.
  REQUIRE(f.client.enqueue({task(1)}, true).enqueued == 1);
  const auto second = f.client.lease("c", 1, 60000, 15).tasks.at(0);
  REQUIRE(second.token != first.token);
  const std::string second_outputs = R"({"staging":"/out/.swath-staging/x.2","dir":"/out","files":{"a":"11"}})";
  REQUIRE(f.client.commit({{second.id, second.token, second_outputs, "{}", 0.1, true}}, 60000).at(0));
  // Worker a wakes: its report names its own commit's token, not the later one's.
  f.client.finished({{first.id, first.token}});
  CHECK(f.unfinished() == 1);  // was: 0, the later commit marked done with its files not in place
  CHECK(f.client.still_finishing(second.id, second_outputs));
  CHECK(f.client.finish_failed({{first.id, first.token, "its staged files are gone"}}, 1, 0) ==
        std::vector<std::string>{"gone"});  // was: the later commit dead-lettered for the stalled worker's failure
  CHECK(f.client.dead_list(0, -1).empty());
  f.client.finished({{second.id, second.token}});
  CHECK(f.unfinished() == 0);
}

TEST_CASE("queue: a finishing commit whose task record is gone (evicted) still leaves finishing, moved or dead") {
  Fixture f;
  f.client.enqueue({task(1), task(2)}, false);
  const auto batch = f.client.lease("w", 2, 60000, 15);
  REQUIRE(batch.tasks.size() == 2);
  for (const auto& l : batch.tasks)
    REQUIRE(f.client.commit({{l.id, l.token, R"({"staging":"/s","dir":"/d","files":{"a":"00"}})", "{}", 0.1, true}}, 0)
                .at(0));
  const queue::Value keys = f.counter.command({"KEYS", "swath:{u}:job:*:t*"});
  REQUIRE_FALSE(keys.as_array().empty());
  for (const auto& key : keys.as_array()) f.counter.command({"DEL", key.text});
  const auto claimed = f.client.claim_finishing(1000);
  REQUIRE(claimed.size() == 2);
  CHECK(claimed[0].token.empty());  // no record, no token
  f.client.finished({{claimed[0].id, claimed[0].token}});
  CHECK(f.client.finish_failed({{claimed[1].id, claimed[1].token, "cannot create '/d/a'"}}, 1, 0) ==
        std::vector<std::string>{"dead"});  // was: "gone" for ever, the entry claimed again every hold
  CHECK(f.count("ZCARD", "finishing") == 0);
  CHECK(f.unfinished() == 0);
}
