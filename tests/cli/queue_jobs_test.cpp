// End to end: jobs (swath queue jobs / job), done records beside the outputs, old-layout queues refused.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

const std::string& trace = test::test_traceparent;

std::vector<std::string> with_redis(const test::RedisServer& redis, std::vector<std::string> args) {
  return test::with_queue(redis, "jobs", std::move(args));
}

std::string enqueue_job(const test::RedisServer& redis, const std::vector<std::string>& inputs,
                        const std::string& output) {
  std::vector<std::string> args{"enqueue", "--kind", "checksum", "--output", output, "--json", "--traceparent", trace};
  args.insert(args.end(), inputs.begin(), inputs.end());
  const auto r = test::swath(with_redis(redis, args));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto jobs = core::Json::parse(r.out).at("jobs").as_array();
  REQUIRE(jobs.size() == 1);
  return jobs.front().as_string();
}

std::map<std::string, core::Json> jobs_by_id(const test::RedisServer& redis) {
  const auto r = test::swath(with_redis(redis, {"queue", "jobs", "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::map<std::string, core::Json> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = core::Json::parse(line);
    const std::string id = j.at("id").as_string();
    out.emplace(id, std::move(j));
  }
  return out;
}

}  // namespace

TEST_CASE("cli queue jobs: each enqueue is a job with its totals; records of done tasks sit beside the outputs") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  test::write_text(dir / "in/b.txt", "beta\n");
  test::write_text(dir / "in/c.txt", "gamma\n");
  const auto first = enqueue_job(redis, {dir / "in/a.txt", dir / "in/b.txt"}, dir / "out1");
  const auto second = enqueue_job(redis, {dir / "in/c.txt"}, dir / "out2");
  CHECK(first != second);
  CHECK(enqueue_job(redis, {dir / "in/a.txt"}, dir / "out1") == first);  // the same work: the same job, nothing new

  auto jobs = jobs_by_id(redis);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs.at(first).at("tasks").as_int() == 2);
  CHECK(jobs.at(first).at("waiting").as_int() == 2);
  CHECK(jobs.at(first).at("done").as_int() == 0);
  CHECK(jobs.at(first).at("trace_id").as_string() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(jobs.at(first).at("output").as_string() == dir / "out1");
  CHECK(jobs.at(second).at("tasks").as_int() == 1);
  const auto text = test::swath(with_redis(redis, {"queue", "jobs"}));
  CHECK(text.out.find(first) != std::string::npos);
  CHECK(text.out.find(second) != std::string::npos);
  CHECK(text.out.rfind("job            kind      tasks   waiting  running     done  finishing     dead", 0) == 0);

  // The worker's log lines carry the job id of each task.
  const auto worker =
      test::swath(with_redis(redis, {"--log-level", "debug", "worker", "--exit-when-empty", "--threads", "1"}));
  REQUIRE_MESSAGE(worker.exit_code == 0, worker.err);
  CHECK(worker.err.find("\"job_id\":\"" + first + "\"") != std::string::npos);
  CHECK(worker.err.find("\"job_id\":\"" + second + "\"") != std::string::npos);

  jobs = jobs_by_id(redis);
  CHECK(jobs.at(first).at("done").as_int() == 2);
  CHECK(jobs.at(first).at("waiting").as_int() == 0);
  CHECK(jobs.at(second).at("done").as_int() == 1);

  // One record per done task, beside its outputs, naming the job, the inputs and each output's hash.
  const auto records = test::swath(with_redis(redis, {"queue", "job", first, "--records"}));
  REQUIRE_MESSAGE(records.exit_code == 0, records.err);
  std::istringstream lines(records.out);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto record = core::Json::parse(line);
    CHECK(record.at("schema").as_string() == "swath.done/1");
    CHECK(record.at("job").as_string() == first);
    const std::string input = record.at("inputs").as_array().front().as_string();
    const std::string output = fs::path(input).filename().string() + ".sha256";
    REQUIRE(record.at("outputs").find(output) != nullptr);
    CHECK(record.at("outputs").at(output).at("sha256").as_string() ==
          raster::sha256_file_hex(dir / ("out1/" + output)));
    CHECK(fs::exists(dir / ("out1/swath-records/" + first + "/" + record.at("task").as_string() + ".json")));
  }
  CHECK(count == 2);
  CHECK(records.err.find("no readable record") == std::string::npos);

  // A record removed since the commit: the rest are printed and the gap is said (it printed nothing about it).
  fs::remove_all(dir / ("out1/swath-records/" + first));
  const auto gone = test::swath(with_redis(redis, {"queue", "job", first, "--records"}));
  CHECK(gone.exit_code == 0);
  CHECK(gone.out.empty());
  CHECK(gone.err.find("job " + first + ": 2 of its 2 done tasks have no readable record in '" + (dir / "out1") +
                      "/swath-records/" + first + "'") != std::string::npos);
  // A kind without outputs (noop) leaves no record: nothing to say about that.
  auto noop =
      test::swath(with_redis(redis, {"enqueue", "--kind", "noop", dir / "in/a.txt", "--output", dir / "n", "--json"}));
  REQUIRE_MESSAGE(noop.exit_code == 0, noop.err);
  const auto noop_job = core::Json::parse(noop.out).at("jobs").as_array().front().as_string();
  REQUIRE(test::swath(with_redis(redis, {"worker", "--exit-when-empty"})).exit_code == 0);
  noop = test::swath(with_redis(redis, {"queue", "job", noop_job, "--records"}));
  CHECK(noop.exit_code == 0);
  CHECK(noop.err.find("no readable record") == std::string::npos);

  // A job id that does not exist: exit 2 naming the ids that do.
  const auto unknown = test::swath(with_redis(redis, {"queue", "job", "0123456789ab"}));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("job '0123456789ab': no such job in queue 'jobs'") != std::string::npos);
  CHECK(unknown.err.find(first) != std::string::npos);
  CHECK(unknown.err.find(second) != std::string::npos);
}

TEST_CASE("cli queue: a queue in the layout of an earlier swath is refused by every command, never misread") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  // What an earlier swath left: a task id in ready, its record in the tasks hash, no layout key.
  redis.cli({"RPUSH", "swath:{jobs}:ready", "0123456789abcdef0123456789abcdef"});
  redis.cli({"HSET", "swath:{jobs}:stats", "enqueued", "1"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"queue", "stats"},
           {"queue", "jobs"},
           {"worker", "--exit-when-empty"},
           {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out"}}) {
    const auto r = test::swath(with_redis(redis, args));
    CAPTURE(args.front());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("queue jobs: it holds tasks in queue layout 1") != std::string::npos);
    CHECK(r.err.find("drain it with the swath version that queued them") != std::string::npos);
  }
  CHECK(redis.cli({"LLEN", "swath:{jobs}:ready"}) == "1");  // nothing taken, nothing added
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("cli queue: a queue written by a newer swath is refused, naming its layout; layout 2 is read as it is") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  redis.cli({"SET", "swath:{jobs}:layout", "4"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"queue", "stats"}, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out"}}) {
    const auto r = test::swath(with_redis(redis, args));
    CAPTURE(args.front());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("it was written by a newer swath (queue layout 4)") != std::string::npos);
  }
  // Layout 2 (before buckets): read as it is, and marked 3 by the next enqueue.
  redis.cli({"SET", "swath:{jobs}:layout", "2"});
  enqueue_job(redis, {dir / "in/a.txt"}, dir / "out");
  CHECK(redis.cli({"GET", "swath:{jobs}:layout"}) == "3");
  CHECK(test::swath(with_redis(redis, {"worker", "--exit-when-empty"})).exit_code == 0);
  CHECK(fs::exists(dir / "out/a.txt.sha256"));
}

TEST_CASE("queue job without an id: exit 2 saying so and where ids are listed, before Redis is asked") {
  const auto r = test::swath({"queue", "job", "--redis", "redis://127.0.0.1:1/0", "--queue", "q"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("queue job: no job id given") != std::string::npos);
  CHECK(r.err.find("`swath queue jobs` lists the ids") != std::string::npos);
}
