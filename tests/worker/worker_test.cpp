// The worker in-process against a real redis-server: commits, bad input, retries, fencing, shutdown.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "queue/client.hpp"
#include "queue/stats.hpp"
#include "raster/fingerprint.hpp"
#include "support/redis_server.hpp"
#include "worker/done_record.hpp"
#include "worker/failure.hpp"
#include "worker/settle.hpp"
#include "worker/worker.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  test::RedisServer redis;
  test::ScratchDir dir;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "w"};

  queue::Task task(const std::string& kind, const std::vector<std::string>& inputs, const std::string& out = "") {
    queue::Task t;
    t.kind = kind;
    t.inputs = inputs;
    t.output = out.empty() ? dir / "out" : out;
    t.id = queue::make_task_id(t.kind, t.inputs, t.options, t.output);
    t.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    return t;
  }
  std::string input(const std::string& name, const std::string& content) {
    test::write_text(dir / ("in/" + name), content);
    return dir / ("in/" + name);
  }
  worker::WorkerOptions options() {
    worker::WorkerOptions o;
    o.redis = queue::parse_redis_url(redis.url());
    o.queue = "w";
    o.exit_when_empty = true;
    o.poll_ms = 20;
    o.settle.backoff_base_ms = 20;
    o.settle.backoff_max_ms = 50;
    return o;
  }
  // The queue's record of a task (see lib/queue/script_prelude.cpp): "d<token>" once done.
  std::string record(const queue::Task& t) {
    return redis.cli({"HGET", "swath:{w}:job:" + queue::make_job_id(t.kind, t.options, t.output) + ":t", t.id});
  }
  // The done record written beside the task's outputs.
  core::Json done_record(const queue::Task& t) {
    for (auto& r : worker::read_records(t.output, queue::make_job_id(t.kind, t.options, t.output))) {
      if (r.at("task").as_string() == t.id) return r;
    }
    return {};
  }
};

// Replaces the fencing token in a leased task's record, as another worker's lease would.
void usurp(test::RedisServer& redis, const queue::Task& task, const std::string& token) {
  const std::string key = "swath:{w}:job:" + task.job + ":t";
  std::string rec = redis.cli({"HGET", key, task.id});
  const auto bar = rec.find('|');
  auto head = rec.substr(0, bar);  // l<attempt>,<failures>,<token>,<p>
  const auto second = head.find(',', head.find(',') + 1);
  const auto third = head.find(',', second + 1);
  redis.cli({"HSET", key, task.id, head.substr(0, second + 1) + token + head.substr(third) + rec.substr(bar)});
}

// Fails with a transient error the first `failures` times, then writes one output.
class FlakyHandler final : public worker::TaskHandler {
 public:
  explicit FlakyHandler(int failures) : failures_(failures) {}
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task&, const worker::HandlerContext& context) override {
    if (calls_++ < failures_) throw core::IoError("flaky storage", "timed out");
    std::ofstream(context.staging_dir + "/flaky.txt") << "ok\n";
    return {{"flaky.txt"}, std::nullopt};  // reads nothing it counts
  }
  int calls_ = 0;

 private:
  int failures_;
};

// Writes its output, then another worker "takes over" the task (its token changes) before the commit.
class UsurpedHandler final : public worker::TaskHandler {
 public:
  explicit UsurpedHandler(test::RedisServer& redis) : redis_(redis) {}
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task& task, const worker::HandlerContext& context) override {
    std::ofstream(context.staging_dir + "/late.txt") << "stale\n";
    usurp(redis_, task, "999999");
    ran = true;
    return {{"late.txt"}, std::nullopt};
  }
  std::atomic<bool> ran{false};

 private:
  test::RedisServer& redis_;
};

// Runs until shutdown is asked: the second task to start sends SIGTERM, so both slots are busy when it comes
// whatever the machine's load (a timer raced the tasks' end under ASan on a loaded CI machine).
class HeldUntilShutdownHandler final : public worker::TaskHandler {
 public:
  bool writes_outputs() const override { return false; }
  worker::HandlerResult run(const queue::Task&, const worker::HandlerContext&) override {
    if (++started_ == 2) core::request_cancel(SIGTERM);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!core::cancel_requested() && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // finishing, well within the grace period
    return {};
  }
  std::atomic<int> started_{0};
};

}  // namespace

TEST_CASE("worker: checksum tasks commit their outputs once, with hashes and an ack record") {
  Fixture f;
  const auto a = f.input("a.txt", "alpha\n");
  const auto b = f.input("b.txt", "beta\n");
  f.client.enqueue({f.task("checksum", {a}), f.task("checksum", {b})}, false);
  const auto summary = worker::run_worker(f.options(), worker::builtin_handlers());
  CHECK(summary.settled.committed == 2);
  CHECK(summary.settled.dead == 0);
  const std::string line = core::read_file(f.dir / "out/a.txt.sha256");
  CHECK(line == core::sha256_hex("alpha\n") + "  a.txt\n");
  CHECK_FALSE(fs::exists(f.dir / "out/.swath-staging"));
  const auto t = f.task("checksum", {a});
  const auto record = f.done_record(t);  // beside the outputs: Redis keeps only the commit token
  REQUIRE(record.is_object());
  CHECK(record.at("outputs").at("a.txt.sha256").at("sha256").as_string() ==
        raster::sha256_file_hex(f.dir / "out/a.txt.sha256"));
  CHECK(record.at("job").as_string() == queue::make_job_id(t.kind, t.options, t.output));
  CHECK(record.at("attempt").as_int() == 1);
  CHECK(record.at("bytes_read").as_int() == 6);
  CHECK(record.at("bytes_written").as_int() == static_cast<std::int64_t>(fs::file_size(f.dir / "out/a.txt.sha256")));
  CHECK(record.at("peak_rss_bytes").as_int() > 0);
  CHECK(record.find("cpu_seconds") != nullptr);
  CHECK(f.record(t).rfind("d", 0) == 0);
}

TEST_CASE("worker: malformed tasks are dead-lettered at once with the reason, and the worker keeps going") {
  Fixture f;
  const auto good = f.input("good.txt", "good\n");
  f.client.enqueue({f.task("checksum", {good})}, false);
  f.redis.cli({"RPUSH", "swath:{w}:ready", "{not json"});
  auto wrong_schema = queue::to_json(f.task("checksum", {good}, f.dir / "other"));
  wrong_schema.set("schema", "swath.task/9");
  f.redis.cli({"RPUSH", "swath:{w}:ready", wrong_schema.dump()});
  core::Json missing = core::Json::object();
  missing = queue::to_json(f.task("checksum", {good}, f.dir / "x"));
  core::Json meta = core::Json::object();
  const auto full_meta = missing.at("job_meta");
  for (const auto& [k, v] : full_meta.as_object()) {
    if (k != "kind") meta.set(k, v);
  }
  missing.set("job_meta", meta);
  f.redis.cli({"RPUSH", "swath:{w}:ready", missing.dump()});
  f.client.enqueue(
      {f.task("checksum", {"/etc/hostname"}), f.task("checksum", {f.dir / "in/missing.tif"}), f.task("tiles", {good})},
      false);
  auto options = f.options();
  options.allow_roots = {f.dir.path()};
  const auto summary = worker::run_worker(options, worker::builtin_handlers());
  CHECK(summary.settled.committed == 1);
  CHECK(summary.settled.dead == 6);
  CHECK(summary.settled.retried == 0);
  std::vector<std::string> errors;
  for (const auto& d : f.client.dead_list(0, -1)) {
    errors.push_back(d.error);
    CHECK(d.failures == 1);
  }
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].find("not JSON") != std::string::npos);
  CHECK(errors[1].find("schema version 'swath.task/9' is not swath.task/2") != std::string::npos);
  CHECK(errors[2].find("missing field 'kind'") != std::string::npos);
  CHECK(errors[3].find("input '/etc/hostname' is outside the allowed roots") != std::string::npos);
  CHECK(errors[4].find("missing.tif': it does not exist") != std::string::npos);
  CHECK(errors[5].find("unknown task kind 'tiles'") != std::string::npos);
  CHECK(errors[5].find("did you mean 'tile'?") != std::string::npos);
  CHECK(fs::exists(f.dir / "out/good.txt.sha256"));
  CHECK_FALSE(fs::exists(f.dir / "other"));
  CHECK(fs::is_empty(f.dir / "out") == false);
}

TEST_CASE("worker: transient failures retry with backoff, then succeed or die after --max-attempts") {
  Fixture f;
  auto registry = worker::builtin_handlers();
  auto flaky = std::make_shared<FlakyHandler>(2);
  registry.add("flaky", flaky);
  f.client.enqueue({f.task("flaky", {"/in/x"})}, false);
  auto options = f.options();
  options.settle.max_attempts = 3;
  auto summary = worker::run_worker(options, registry);
  CHECK(summary.settled.retried == 2);
  CHECK(summary.settled.committed == 1);
  CHECK(flaky->calls_ == 3);
  const auto record = f.done_record(f.task("flaky", {"/in/x"}));
  CHECK(record.at("attempt").as_int() == 3);
  CHECK(record.at("bytes_read").is_null());  // not counted: not a 0 that looks measured
  CHECK(fs::exists(f.dir / "out/flaky.txt"));

  registry.add("flaky", std::make_shared<FlakyHandler>(100));
  f.client.enqueue({f.task("flaky", {"/in/y"})}, false);
  summary = worker::run_worker(options, registry);
  CHECK(summary.settled.retried == 2);
  CHECK(summary.settled.dead == 1);
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].failures == 3);
  CHECK(dead[0].error == "flaky storage: timed out");
}

TEST_CASE("worker: a worker that lost its lease cannot commit; its staged outputs are discarded") {
  Fixture f;
  auto registry = worker::builtin_handlers();
  const auto usurped = std::make_shared<UsurpedHandler>(f.redis);
  registry.add("usurped", usurped);
  f.client.enqueue({f.task("usurped", {"/in/x"})}, false);
  auto options = f.options();
  options.exit_when_empty = false;
  std::thread stopper([&usurped] {  // once the task ran (a fixed pause may come before the lease on a loaded machine)
    for (int i = 0; i < 2000 && !usurped->ran; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    core::request_cancel(SIGTERM);
  });
  const auto summary = worker::run_worker(options, registry);
  stopper.join();
  core::reset_cancel();
  CHECK(summary.settled.lost == 1);
  CHECK(summary.settled.committed == 0);
  CHECK(summary.interrupted);
  CHECK_FALSE(fs::exists(f.dir / "out/late.txt"));
  CHECK_FALSE(fs::exists(f.dir / "out/.swath-staging"));
  CHECK(f.record(f.task("usurped", {"/in/x"})).rfind("l", 0) == 0);  // leased (by the usurper)
}

TEST_CASE("worker: SIGTERM finishes running tasks within the grace period; the rest stay ready for others") {
  Fixture f;
  std::vector<queue::Task> tasks;
  for (int i = 0; i < 6; ++i) tasks.push_back(f.task("held", {"/in/" + std::to_string(i)}));
  f.client.enqueue(tasks, false);
  auto registry = worker::builtin_handlers();
  const auto held = std::make_shared<HeldUntilShutdownHandler>();
  registry.add("held", held);
  auto options = f.options();
  options.concurrency = 2;
  options.batch = 6;
  options.grace_ms = 5000;
  const auto summary = worker::run_worker(options, registry);
  core::reset_cancel();
  CHECK(summary.interrupted);
  CHECK(held->started_ == 2);
  CHECK(summary.settled.committed == 2);  // the two running when SIGTERM came
  CHECK(summary.leased == 2);             // it holds only what its two slots run, never the other four
  CHECK(summary.handed_back == 0);
  const auto stats = queue::read_stats(f.client);
  CHECK(stats.depth == 4);
  CHECK(stats.in_flight == 0);
  CHECK(stats.workers == 0);  // said goodbye
}

TEST_CASE("worker: commits whose worker died before renaming are finished by another worker") {
  Fixture f;
  const auto a = f.input("a.txt", "alpha\n");
  f.client.enqueue({f.task("checksum", {a})}, false);
  const auto leased = f.client.lease("dead-worker", 1, 30000, 15);
  REQUIRE(leased.tasks.size() == 1);
  const auto& l = leased.tasks[0];
  const std::string staging = worker::staging_dir_for(f.dir / "out", l.id, l.token);
  test::write_text(staging + "/a.txt.sha256", "staged\n");
  core::Json outputs = core::Json::object();
  outputs.set("staging", staging);
  outputs.set("dir", f.dir / "out");
  core::Json files = core::Json::object();
  files.set("a.txt.sha256", core::sha256_hex("staged\n"));
  outputs.set("files", files);
  // Its worker had 100 ms to move the files; the drain below starts at once and must not exit before they are moved.
  REQUIRE(f.client.commit({{l.id, l.token, outputs.dump(), "{}", 0.1, true}}, 100) == std::vector<bool>{true});
  CHECK(f.redis.cli({"LLEN", "swath:{w}:unfinished"}) == "1");
  worker::run_worker(f.options(), worker::builtin_handlers());
  CHECK(core::read_file(f.dir / "out/a.txt.sha256") == "staged\n");
  CHECK_FALSE(fs::exists(staging));
  CHECK(f.redis.cli({"ZCARD", "swath:{w}:finishing"}) == "0");
  CHECK(f.redis.cli({"LLEN", "swath:{w}:unfinished"}) == "0");
}

TEST_CASE("worker: backoff doubles per attempt with equal jitter, capped") {
  CHECK(worker::retry_delay_ms(1, 1000, 60000, 0.0) == 500);
  CHECK(worker::retry_delay_ms(1, 1000, 60000, 0.999) == 999);
  CHECK(worker::retry_delay_ms(3, 1000, 60000, 0.0) == 2000);
  CHECK(worker::retry_delay_ms(30, 1000, 60000, 0.5) == 45000);
}

TEST_CASE("worker: an output error is retried, even a read-only file system (it may be this worker's mount)") {
  const auto permanent = [](const auto& e) { return worker::classify(std::make_exception_ptr(e)).permanent; };
  // One worker with a read-only or foreign-owned volume would otherwise dead-letter every task it takes, in
  // milliseconds, before a healthy worker could: retried with backoff, they reach the others.
  CHECK_FALSE(permanent(core::IoError("cannot create directory 'out/.staging'", "Read-only file system", "", EROFS)));
  CHECK_FALSE(permanent(core::IoError("cannot write to directory 'out'", "Permission denied", "", EACCES)));
  CHECK_FALSE(permanent(core::IoError("cannot write 'out/a.tif'", "No space left on device", "", ENOSPC)));
  CHECK(permanent(core::DataError("scene", "corrupt")));
}

// Writes outputs in sub-directories, the way the tile kind writes <scene>/<tile>.tif.
class NestedHandler final : public worker::TaskHandler {
 public:
  explicit NestedHandler(std::vector<std::string> names) : names_(std::move(names)) {}
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task&, const worker::HandlerContext& context) override {
    for (const auto& name : names_) {
      if (name.find("..") == std::string::npos && name.front() != '/')
        test::write_text(context.staging_dir + "/" + name, name + "\n");
    }
    return {names_, std::nullopt};
  }

 private:
  std::vector<std::string> names_;
};

TEST_CASE("worker: outputs in sub-directories are committed into the same sub-directories") {
  Fixture f;
  auto handlers = worker::builtin_handlers();
  handlers.add("nested", std::make_shared<NestedHandler>(
                             std::vector<std::string>{"scene/r0_c0.tif", "scene/deep/x.txt", "top.jsonl"}));
  f.client.enqueue({f.task("nested", {f.input("a.txt", "a")})}, false);
  const auto summary = worker::run_worker(f.options(), handlers);
  CHECK(summary.settled.committed == 1);
  CHECK(core::read_file(f.dir / "out/scene/r0_c0.tif") == "scene/r0_c0.tif\n");
  CHECK(core::read_file(f.dir / "out/scene/deep/x.txt") == "scene/deep/x.txt\n");
  CHECK(core::read_file(f.dir / "out/top.jsonl") == "top.jsonl\n");
  CHECK_FALSE(fs::exists(f.dir / "out/.swath-staging"));
}

TEST_CASE("worker: an output name that leaves the staging directory fails the task, and nothing is moved") {
  for (const std::string bad : {"../escape.txt", "/abs.txt", "scene/../../x.txt", "scene/.hidden", "a//b", "dir/"}) {
    INFO(bad);
    CHECK_THROWS_AS(worker::check_output_name(bad), core::DataError);
  }
  CHECK_NOTHROW(worker::check_output_name("scene/r0_c0.tif"));
  Fixture f;
  auto handlers = worker::builtin_handlers();
  handlers.add("nested", std::make_shared<NestedHandler>(std::vector<std::string>{"ok.txt", "../escape.txt"}));
  const auto t = f.task("nested", {f.input("a.txt", "a")});
  f.client.enqueue({t}, false);
  const auto summary = worker::run_worker(f.options(), handlers);
  CHECK(summary.settled.dead == 1);
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].error.find("without '..'") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir / "out/ok.txt"));
  CHECK_FALSE(fs::exists(f.dir / "escape.txt"));
}

TEST_CASE("worker: a committed task with nested outputs, half moved when its worker died, is finished by another") {
  Fixture f;
  f.client.enqueue({f.task("noop", {f.input("a.txt", "a")})}, false);
  const auto leased = f.client.lease("dead-worker", 1, 30000, 15);
  REQUIRE(leased.tasks.size() == 1);
  const auto& l = leased.tasks[0];
  const std::string staging = worker::staging_dir_for(f.dir / "out", l.id, l.token);
  test::write_text(staging + "/scene/a.tif", "a\n");
  test::write_text(f.dir / "out/scene/b.tif", "b\n");  // moved before the crash: gone from staging
  core::Json files = core::Json::object();
  files.set("scene/a.tif", core::sha256_hex("a\n"));
  files.set("scene/b.tif", core::sha256_hex("b\n"));
  core::Json outputs = core::Json::Object{{"staging", staging}, {"dir", f.dir / "out"}, {"files", files}};
  REQUIRE(f.client.commit({{l.id, l.token, outputs.dump(), "{}", 0.1, true}}, 100) == std::vector<bool>{true});
  worker::run_worker(f.options(), worker::builtin_handlers());
  CHECK(core::read_file(f.dir / "out/scene/a.tif") == "a\n");
  CHECK(core::read_file(f.dir / "out/scene/b.tif") == "b\n");
  CHECK_FALSE(fs::exists(staging));
  CHECK(f.redis.cli({"ZCARD", "swath:{w}:finishing"}) == "0");
  CHECK(f.redis.cli({"LLEN", "swath:{w}:unfinished"}) == "0");
}

TEST_CASE("worker: a commit's files move into place together after one flush; the staging directory goes") {
  test::ScratchDir dir;
  const std::string staging = dir / "out/.swath-staging/t1.1";
  fs::create_directories(staging + "/scene");
  test::write_text(staging + "/scene/r0.tif", "tile 0");
  test::write_text(staging + "/scene/r1.tif", "tile 1");
  test::write_text(staging + "/tiles.t1.jsonl", "{}\n");
  worker::move_into_place(staging, dir / "out", {"scene/r0.tif", "scene/r1.tif", "tiles.t1.jsonl"});
  CHECK(core::read_file(dir / "out/scene/r0.tif") == "tile 0");
  CHECK(core::read_file(dir / "out/scene/r1.tif") == "tile 1");
  CHECK(core::read_file(dir / "out/tiles.t1.jsonl") == "{}\n");
  CHECK_FALSE(fs::exists(dir / "out/.swath-staging"));
}
