// The worker under the accidents of real use: a move into place that fails after the commit, a task that hangs,
// two workers sharing long tasks (none hoards), and how many tasks a worker leases at once.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "log/context.hpp"
#include "queue/client.hpp"
#include "queue/stats.hpp"
#include "support/captured_log.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "worker/lease_keeper.hpp"
#include "worker/prefetch.hpp"
#include "worker/settle.hpp"
#include "worker/worker.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  test::RedisServer redis;
  test::ScratchDir dir;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "f"};

  queue::Task task(const std::string& kind, const std::vector<std::string>& inputs,
                   core::Json options = core::Json::object()) {
    queue::Task t;
    t.kind = kind;
    t.inputs = inputs;
    t.options = std::move(options);
    t.output = dir / "out";
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
    o.queue = "f";
    o.exit_when_empty = true;
    o.poll_ms = 20;
    o.settle.max_attempts = 2;
    o.settle.backoff_base_ms = 20;
    o.settle.backoff_max_ms = 50;
    o.settle.finish_hold_ms = 50;
    return o;
  }
};

// Writes scene/x.txt, the way the tile kind writes <scene>/<tile>.tif.
class SceneFileHandler final : public worker::TaskHandler {
 public:
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task&, const worker::HandlerContext& context) override {
    test::write_text(context.staging_dir + "/scene/x.txt", "x\n");
    return {{"scene/x.txt"}, std::nullopt};
  }
};

// Writes scene/x.txt and then its list, the way the tile kind writes its tiles and then its manifest.
class ListedFilesHandler final : public worker::TaskHandler {
 public:
  bool writes_outputs() const override { return true; }
  worker::HandlerResult run(const queue::Task&, const worker::HandlerContext& context) override {
    test::write_text(context.staging_dir + "/scene/x.txt", "x\n");
    test::write_text(context.staging_dir + "/list.txt", "scene/x.txt\n");
    return {{"scene/x.txt", "list.txt"}, std::nullopt};
  }
};

const std::string fixture_trace = "0af7651916cd43dd8448eb211c80319c";  // Fixture::task's traceparent

// The log lines about one task ("JOB:ID" or the bare id).
std::vector<core::Json> lines_about(const std::vector<core::Json>& lines, const std::string& task_id) {
  std::vector<core::Json> out;
  for (const auto& line : lines) {
    const auto* id = line.find("task_id");
    if (id != nullptr && id->as_string() == task_id) out.push_back(line);
  }
  return out;
}

// Whether some line has `text` in its message; each such line must carry the task's trace and the worker's id.
bool said_with_trace(const std::vector<core::Json>& lines, const std::string& text, const std::string& worker_id) {
  bool said = false;
  for (const auto& line : lines) {
    if (line.at("message").as_string().find(text) == std::string::npos) continue;
    said = true;
    CHECK_MESSAGE(test::field(line, "trace_id") == fixture_trace, line.dump());
    CHECK_MESSAGE(test::field(line, "worker_id") == worker_id, line.dump());
  }
  return said;
}

}  // namespace

TEST_CASE(
    "worker: a commit whose files cannot be moved into place is retried, then dead-lettered; nothing else is lost") {
  Fixture f;
  test::write_text(f.dir / "out/scene", "a file where the task's directory goes\n");
  auto handlers = worker::builtin_handlers();
  handlers.add("scene", std::make_shared<SceneFileHandler>());
  const auto blocked = f.task("scene", {f.input("s.txt", "s")});
  f.client.enqueue({blocked, f.task("checksum", {f.input("a.txt", "a")}), f.task("checksum", {f.input("b.txt", "b")})},
                   false);
  test::CapturedLog captured;
  auto options = f.options();
  options.worker_id = "w-moves";
  const auto summary = worker::run_worker(options, handlers);  // must neither crash nor drop the entry
  // Its move failed after the commit, then again when taken up as a committed task left unmoved: every line about
  // it carries its trace (the second from the trace its commit recorded), and the worker's id.
  const auto about = lines_about(captured.lines(), blocked.id);
  CHECK(said_with_trace(about, "committed, but cannot move the outputs into place", "w-moves"));
  CHECK(said_with_trace(about, "cannot move a committed task's outputs into place", "w-moves"));
  CHECK(said_with_trace(about, "task dead-lettered: its committed outputs could not be moved", "w-moves"));
  CHECK(summary.settled.committed == 3);
  CHECK(summary.settled.dead == 1);  // dead-lettered once its files could not be moved
  CHECK(fs::exists(f.dir / "out/a.txt.sha256"));
  CHECK(fs::exists(f.dir / "out/b.txt.sha256"));
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].id == queue::make_job_id(blocked.kind, blocked.options, blocked.output) + ":" + blocked.id);
  CHECK(dead[0].error.find("committed, but its outputs could not be moved into place (2 tries") != std::string::npos);
  CHECK(dead[0].error.find("out/scene") != std::string::npos);
  const auto stats = queue::read_stats(f.client, 300);
  CHECK(stats.done == 2);
  CHECK(stats.unfinished == 0);
  CHECK(stats.finishing == 0);

  // Once the cause is removed, the dead task runs again and its files land.
  fs::remove(f.dir / "out/scene");
  CHECK(f.client.dead_retry({blocked.id}) == 1);
  CHECK(worker::run_worker(f.options(), handlers).settled.committed == 1);
  CHECK(core::read_file(f.dir / "out/scene/x.txt") == "x\n");
  CHECK_FALSE(fs::exists(f.dir / "out/.swath-staging"));
  CHECK(queue::read_stats(f.client, 300).unfinished == 0);
}

TEST_CASE("worker: a move that cannot take its last file moves none: the dead task's files all wait in staging") {
  Fixture f;
  fs::create_directories(f.dir / "out/list.txt/in-the-way");  // a directory where the list goes
  auto handlers = worker::builtin_handlers();
  handlers.add("listed", std::make_shared<ListedFilesHandler>());
  f.client.enqueue({f.task("listed", {f.input("s.txt", "s")})}, false);
  const auto summary = worker::run_worker(f.options(), handlers);
  CHECK(summary.settled.dead == 1);
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK_MESSAGE(dead[0].error.find("they wait in the staging directory") != std::string::npos, dead[0].error);
  // Was: scene/x.txt moved into place, listed by nothing, and gone from staging.
  CHECK_FALSE(fs::exists(f.dir / "out/scene/x.txt"));
  std::size_t staged = 0;
  for (const auto& e : fs::recursive_directory_iterator(f.dir / "out/.swath-staging"))
    staged += e.path().filename() == "x.txt" ? 1 : 0;
  CHECK(staged == 1);

  fs::remove_all(f.dir / "out/list.txt");
  CHECK(f.client.dead_retry({dead[0].id.substr(dead[0].id.find(':') + 1)}) == 1);
  CHECK(worker::run_worker(f.options(), handlers).settled.committed == 1);
  CHECK(core::read_file(f.dir / "out/scene/x.txt") == "x\n");
  CHECK(core::read_file(f.dir / "out/list.txt") == "scene/x.txt\n");
}

TEST_CASE("worker: a task that hangs (a FIFO as input) is abandoned at its time limit, retried, then dead as hung") {
  Fixture f;
  const std::string fifo = f.dir / "in/fifo";
  fs::create_directories(f.dir / "in");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto hangs = f.task("checksum", {fifo});
  const auto fine = f.task("checksum", {f.input("a.txt", "a")});
  f.client.enqueue({hangs, fine}, false);
  auto options = f.options();
  options.task_timeout_ms = 300;
  options.worker_id = "w-hangs";
  test::CapturedLog captured;
  const auto summary = worker::run_worker(options, worker::builtin_handlers());
  CHECK(summary.hung == 2);  // both attempts
  CHECK(summary.settled.committed == 1);
  // Said by the main loop, not the task's thread: still under the task's trace, as its other lines are.
  const auto about = lines_about(captured.lines(), hangs.id);
  CHECK(said_with_trace(about, "hung: it ran longer than its time limit", "w-hangs"));
  CHECK(said_with_trace(about, "task dead-lettered: hung", "w-hangs"));
  CHECK(fs::exists(f.dir / "out/a.txt.sha256"));
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].id == queue::make_job_id(hangs.kind, hangs.options, hangs.output) + ":" + hangs.id);
  CHECK(dead[0].error.find("hung: it ran longer than its time limit of 0.3 s (--task-timeout)") != std::string::npos);
  CHECK(queue::read_stats(f.client, 300).unfinished == 0);
  // The stuck reads wake up now; their threads find their tasks abandoned and end without touching the queue.
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  if (writer >= 0) ::close(writer);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(queue::read_stats(f.client, 300).done == 1);
  CHECK(f.client.dead_list(0, -1).size() == 1);
}

// Sleeps without looking at stop requests, as a handler stuck in a read does: its first attempt for `first_ms`, any
// later one for `later_ms`. Counts the runs still going, so a test can wait for its abandoned threads.
class SlowHandler final : public worker::TaskHandler {
 public:
  SlowHandler(int first_ms, int later_ms) : first_ms_(first_ms), later_ms_(later_ms) {}
  bool writes_outputs() const override { return false; }
  worker::HandlerResult run(const queue::Task& task, const worker::HandlerContext&) override {
    ++running;
    std::this_thread::sleep_for(std::chrono::milliseconds(task.attempt == 1 ? first_ms_ : later_ms_));
    --running;
    return {};
  }
  std::atomic<int> running{0};

 private:
  int first_ms_;
  int later_ms_;
};

TEST_CASE("worker: the time limit holds for a retry on the same worker while the abandoned attempt still runs") {
  Fixture f;
  // Attempt 1 is abandoned at 0.3 s and returns at 0.6 s, while attempt 2 (leased ~0.3 s) runs: its end must not
  // unwatch attempt 2, which is then abandoned too.
  const auto slow = std::make_shared<SlowHandler>(600, 1500);
  auto handlers = worker::builtin_handlers();
  handlers.add("slow", slow);
  const auto task = f.task("slow", {"/in/slow"});
  f.client.enqueue({task}, false);
  auto options = f.options();
  options.task_timeout_ms = 300;
  const auto summary = worker::run_worker(options, handlers);
  CHECK(summary.hung == 2);
  CHECK(summary.settled.committed == 0);
  const auto dead = f.client.dead_list(0, -1);
  REQUIRE(dead.size() == 1);
  CHECK(dead[0].error.find("hung: it ran longer than its time limit of 0.3 s") != std::string::npos);
  for (int i = 0; i < 100 && slow->running.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(slow->running.load() == 0);
}

TEST_CASE("worker: two workers share long tasks: neither holds tasks it does not run") {
  Fixture f;
  std::vector<queue::Task> tasks;
  for (int i = 0; i < 8; ++i) {
    core::Json o = core::Json::object();
    o.set("sleep_ms", 400);
    tasks.push_back(f.task("noop", {"/in/" + std::to_string(i)}, o));
  }
  f.client.enqueue(tasks, false);
  worker::WorkerSummary first, second;
  std::thread other([&] { second = worker::run_worker(f.options(), worker::builtin_handlers()); });
  first = worker::run_worker(f.options(), worker::builtin_handlers());
  other.join();
  CHECK(first.settled.committed + second.settled.committed == 8);
  CHECK(first.settled.committed >= 2);
  CHECK(second.settled.committed >= 2);
  CHECK(first.leased == first.settled.committed);  // leased one at a time, never more than it ran
  CHECK(second.leased == second.settled.committed);
}

TEST_CASE("worker: a task leased again after a stall keeps its new lease renewed when its old attempt settles") {
  Fixture f;
  f.client.enqueue(std::vector<queue::Task>{f.task("noop", {"/in/a"})}, false);
  const auto first = f.client.lease("w1", 1, 300, 10);
  REQUIRE(first.tasks.size() == 1);
  const queue::LeaseRef old_lease{first.tasks[0].id, first.tasks[0].token};
  std::this_thread::sleep_for(std::chrono::milliseconds(450));  // a stall: attempt 1's lease expires
  const auto second = f.client.lease("w1", 1, 300, 10);         // the same worker leases the task again
  REQUIRE(second.tasks.size() == 1);
  const queue::LeaseRef new_lease{second.tasks[0].id, second.tasks[0].token};
  REQUIRE(new_lease.first == old_lease.first);
  REQUIRE(new_lease.second != old_lease.second);
  worker::LeaseKeeper keeper(queue::parse_redis_url(f.redis.url()), {}, "f", "w1", 300);
  keeper.hold({old_lease});
  keeper.hold({new_lease});
  CHECK(keeper.lost(old_lease));  // leased again: attempt 1 stops, its lease gone
  CHECK_FALSE(keeper.lost(new_lease));
  keeper.drop({old_lease});  // attempt 1's refused commit settles: it dropped the task's new lease too
  CHECK(keeper.held() == std::vector<queue::LeaseRef>{new_lease});
  std::this_thread::sleep_for(std::chrono::milliseconds(900));  // three lease periods: renewed all along
  CHECK_FALSE(keeper.lost(new_lease));
  CHECK(f.client.lease("w2", 1, 300, 10).tasks.empty());  // nobody else can take attempt 2's task
  keeper.drop({new_lease});
  CHECK(keeper.held().empty());
}

TEST_CASE("worker: a renewal that finds a task committed or failed before its reply was read does not call it lost") {
  Fixture f;
  f.client.enqueue(
      std::vector<queue::Task>{f.task("noop", {"/in/a"}), f.task("noop", {"/in/b"}), f.task("noop", {"/in/c"})}, false);
  const auto batch = f.client.lease("w1", 3, 3000, 10);
  REQUIRE(batch.tasks.size() == 3);
  std::vector<queue::LeaseRef> leases;
  for (const auto& task : batch.tasks) leases.emplace_back(task.id, task.token);
  worker::LeaseKeeper keeper(queue::parse_redis_url(f.redis.url()), {}, "f", "w1", 300);  // renews every 100 ms
  keeper.hold(leases);
  // The worker sends a commit and a failure, then reads their replies after its next lease: the keeper renews
  // between. The third task is committed behind the worker's back (as after a stall): that one is lost.
  keeper.settling({leases[0], leases[1]});
  REQUIRE(f.client.commit({{leases[0].first, leases[0].second, "", "{}", 0.1, false},
                           {leases[2].first, leases[2].second, "", "{}", 0.1, false}},
                          0) == std::vector<bool>{true, true});
  REQUIRE(f.client.fail({{leases[1].first, leases[1].second, "boom", false, 0}}, 3) ==
          std::vector<std::string>{"retry"});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK_FALSE(keeper.lost(leases[0]));
  CHECK_FALSE(keeper.lost(leases[1]));
  CHECK(keeper.lost(leases[2]));
  keeper.drop(leases);
  CHECK(keeper.held().empty());
}

TEST_CASE(
    "worker: a worker finishing an orphaned move removes the earlier run's tiles the commit named, if unchanged") {
  Fixture f;
  f.client.enqueue(std::vector<queue::Task>{f.task("noop", {"/in/a"})}, false);
  const auto batch = f.client.lease("dead-worker", 1, 60000, 10);
  REQUIRE(batch.tasks.size() == 1);
  const std::string out = f.dir / "out";
  const std::string staging = out + "/.swath-staging/t.token";
  test::write_text(staging + "/s/r000000_c000000.tif", "new tile");
  test::write_text(staging + "/tiles.t.jsonl", "the new manifest\n");
  test::write_text(out + "/s/r000000_c000001.tif", "12345");      // the last run's, now blank: 5 bytes, as recorded
  test::write_text(out + "/s/r000001_c000000.tif", "someone's");  // at a listed name but not what was recorded
  core::Json outputs = core::Json::Object{{"staging", staging}, {"dir", out}};
  outputs.set("files", core::Json::Object{{"s/r000000_c000000.tif", "00"},
                                          {"tiles.t.jsonl", core::sha256_hex("the new manifest\n")}});
  outputs.set("stale", core::Json::Object{{"s/r000000_c000001.tif", 5}, {"s/r000001_c000000.tif", 5}});
  outputs.set("stale_guard", "tiles.t.jsonl");
  // Its worker committed and died before moving anything; another one claims the move once it is due.
  REQUIRE(f.client.commit({{batch.tasks[0].id, batch.tasks[0].token, outputs.dump(), "{}", 0.1, true}}, 0) ==
          std::vector<bool>{true});
  worker::LeaseKeeper keeper(queue::parse_redis_url(f.redis.url()), {}, "f", "w2", 60000);
  worker::Settler settler(f.client, keeper, worker::SettlePolicy{.finish_hold_ms = 0});
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  settler.finish_orphans();
  CHECK(core::read_file(out + "/s/r000000_c000000.tif") == "new tile");
  CHECK_FALSE(fs::exists(out + "/s/r000000_c000001.tif"));
  CHECK(core::read_file(out + "/s/r000001_c000000.tif") == "someone's");
  CHECK(f.client.lease("w2", 1, 60000, 10).waiting == 0);  // finished
}

TEST_CASE("worker: a move finished late, after a later run's manifest took its place, removes none of its files") {
  test::ScratchDir dir;
  const std::string out = dir / "out";
  const std::string staging = out + "/.swath-staging/t.token";
  // This commit's files were moved by another worker, then the task ran again: its manifest and tile are there now.
  test::write_text(out + "/tiles.t.jsonl", "the later run's manifest\n");
  test::write_text(out + "/s/r000000_c000000.tif", "a tile");  // moved by the other worker (staging is gone)
  test::write_text(out + "/s/r000000_c000001.tif", "12345");   // the later run's tile, at a name this commit lists
  worker::EarlierFiles earlier{{{"s/r000000_c000001.tif", 5}}, "tiles.t.jsonl", core::sha256_hex("this commit's\n")};
  worker::move_into_place(staging, out, {"tiles.t.jsonl", "s/r000000_c000000.tif"}, earlier);
  CHECK(core::read_file(out + "/s/r000000_c000001.tif") == "12345");
  // Its own manifest in place: the same call removes it.
  earlier.guard_sha256 = core::sha256_hex("the later run's manifest\n");
  worker::move_into_place(staging, out, {"tiles.t.jsonl", "s/r000000_c000000.tif"}, earlier);
  CHECK_FALSE(fs::exists(out + "/s/r000000_c000001.tif"));
}

TEST_CASE("worker: a worker stalled after it chose an earlier file to remove leaves a later run's file there") {
  test::ScratchDir dir;
  const std::string out = dir / "out";
  const std::string staging = out + "/.swath-staging/t.token";
  test::write_text(out + "/tiles.t.jsonl", "this commit's\n");  // moved into place already
  test::write_text(out + "/s/r000000_c000001.tif", "12345");    // the earlier run's tile: to be removed
  worker::EarlierFiles earlier{{{"s/r000000_c000001.tif", 5}}, "tiles.t.jsonl", core::sha256_hex("this commit's\n")};
  // Checked still this commit's, then the stall: another worker finished the move and the task ran again, writing
  // that tile anew before this worker's removal ran.
  earlier.still_finishing = [&] {
    test::write_text(out + "/s/r000000_c000001.tif", "54321");
    return true;
  };
  worker::move_into_place(staging, out, {"tiles.t.jsonl"}, earlier);
  CHECK(core::read_file(out + "/s/r000000_c000001.tif") == "54321");  // was: removed, listed by the later manifest
  // The stall before the check: found no longer this commit's, the later run's file stands.
  test::write_text(out + "/s/r000000_c000001.tif", "12345");
  earlier.still_finishing = [&] {
    test::write_text(out + "/s/r000000_c000001.tif", "54321");
    return false;
  };
  worker::move_into_place(staging, out, {"tiles.t.jsonl"}, earlier);
  CHECK(core::read_file(out + "/s/r000000_c000001.tif") == "54321");
  // Stalled before the later run wrote it: the file set aside is put back, for the later run to replace.
  test::write_text(out + "/s/r000000_c000001.tif", "12345");
  earlier.still_finishing = [] { return false; };
  worker::move_into_place(staging, out, {"tiles.t.jsonl"}, earlier);
  CHECK(core::read_file(out + "/s/r000000_c000001.tif") == "12345");
  // Redis unreachable at the check: undecided, the file goes back and the move fails (it is tried again).
  test::write_text(out + "/s/r000000_c000001.tif", "12345");
  earlier.still_finishing = []() -> bool { throw core::IoError("Redis at x is unreachable", "no connection"); };
  CHECK_THROWS_AS(worker::move_into_place(staging, out, {"tiles.t.jsonl"}, earlier), core::IoError);
  CHECK(core::read_file(out + "/s/r000000_c000001.tif") == "12345");
  // Still this commit's: removed, and nothing set aside is left.
  earlier.still_finishing = [] { return true; };
  worker::move_into_place(staging, out, {"tiles.t.jsonl"}, earlier);
  CHECK_FALSE(fs::exists(out + "/s/r000000_c000001.tif"));
  CHECK(std::distance(fs::directory_iterator(out + "/s"), fs::directory_iterator()) == 0);
}

TEST_CASE("worker: lease sizes: one per free slot for long tasks, batches for short ones") {
  using worker::tasks_to_lease;
  // Nothing measured yet: what the free slots can start.
  CHECK(tasks_to_lease({.concurrency = 4, .running = 0, .queued = 0, .mean_task_seconds = 0}) == 4);
  CHECK(tasks_to_lease({.concurrency = 4, .running = 3, .queued = 0, .mean_task_seconds = 0}) == 1);
  // Long tasks (seconds): never more than the free slots.
  CHECK(tasks_to_lease({.concurrency = 2, .running = 2, .queued = 0, .mean_task_seconds = 5}) == 0);
  CHECK(tasks_to_lease({.concurrency = 2, .running = 1, .queued = 0, .mean_task_seconds = 5}) == 1);
  CHECK(tasks_to_lease({.concurrency = 2, .running = 1, .queued = 1, .mean_task_seconds = 5}) == 0);
  // 50 ms tasks: about 0.1 s of work held beyond the running ones.
  CHECK(tasks_to_lease({.concurrency = 1, .running = 1, .queued = 0, .mean_task_seconds = 0.05}) == 2);
  // Tiny tasks: up to the batch cap, refilled only once half of them ran.
  CHECK(tasks_to_lease({.concurrency = 1, .running = 1, .queued = 0, .mean_task_seconds = 1e-5, .max_batch = 1000}) ==
        1000);
  CHECK(tasks_to_lease({.concurrency = 1, .running = 1, .queued = 600, .mean_task_seconds = 1e-5, .max_batch = 1000}) ==
        0);
  CHECK(tasks_to_lease({.concurrency = 1, .running = 1, .queued = 400, .mean_task_seconds = 1e-5, .max_batch = 1000}) ==
        600);
}

TEST_CASE("worker: a task whose traceparent does not parse is said so, runs under the worker's trace, and commits") {
  Fixture f;
  auto task = f.task("checksum", {f.input("a.txt", "a")});
  task.traceparent = "00-not-a-trace";
  f.client.enqueue({task}, false);
  auto options = f.options();
  options.worker_id = "w-untraced";
  test::CapturedLog captured;
  const log::Scope worker_trace{{"trace_id", "11111111111111111111111111111111"}};
  CHECK(worker::run_worker(options, worker::builtin_handlers()).settled.committed == 1);
  bool warned = false;
  for (const auto& line : lines_about(captured.lines(), task.id)) {
    CHECK(test::field(line, "worker_id") == "w-untraced");
    CHECK(test::field(line, "trace_id") == "11111111111111111111111111111111");
    warned = warned || line.at("message").as_string().find("the task's traceparent '00-not-a-trace' is malformed") == 0;
  }
  CHECK(warned);
}

TEST_CASE("worker: discarding stale attempts leaves a later attempt's staging (the task run again meanwhile)") {
  test::ScratchDir dir;
  const std::string staging = dir / "out/.swath-staging";
  for (const char* attempt : {"job1.3-aa", "job1.5-bb", "job1.12-cc", "job10.1-dd"})
    test::write_text(staging + "/" + attempt + "/tile.tif", "x");
  worker::discard_stale_attempts(staging + "/job1.5-bb");
  CHECK_FALSE(fs::exists(staging + "/job1.3-aa"));  // older: can never commit now
  CHECK(fs::exists(staging + "/job1.5-bb"));        // its own: the caller's to discard
  CHECK(fs::exists(staging + "/job1.12-cc"));       // was: removed, a live later attempt's files with it
  CHECK(fs::exists(staging + "/job10.1-dd"));       // another task
}
