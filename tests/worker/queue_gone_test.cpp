// A queue whose keys vanish under a worker (FLUSHDB, Redis restarted without its AOF): the worker says the work is
// lost and stops (exit 1), rather than "the task runs again" and, with --exit-when-empty, exit 0.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "queue/client.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "worker/worker.hpp"

using namespace swath;

namespace {

// Runs until told to stop, saying when it started; or, with fail_once_flushed, fails (permanently) once flushed.
class WaitingHandler final : public worker::TaskHandler {
 public:
  std::atomic<bool> started{false}, flushed{false};
  bool fail_once_flushed = false;
  bool writes_outputs() const override { return false; }
  worker::HandlerResult run(const queue::Task&, const worker::HandlerContext& context) override {
    started = true;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until && !context.stop_requested()) {
      if (fail_once_flushed && flushed) throw core::DataError("the task", "fails");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }
};

}  // namespace

TEST_CASE("worker: the queue's keys deleted while it holds a task: it stops, saying the work is lost") {
  test::RedisServer redis;
  test::ScratchDir dir;
  queue::Connection connection{queue::parse_redis_url(redis.url())};
  queue::QueueClient client{connection, "gone"};
  queue::Task task;
  task.kind = "waiting";
  task.inputs = {dir / "in.txt"};
  task.output = dir / "out";
  task.id = queue::make_task_id(task.kind, task.inputs, task.options, task.output);
  task.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  client.enqueue({task}, false);

  auto handlers = worker::builtin_handlers();
  const auto waiting = std::make_shared<WaitingHandler>();
  handlers.add("waiting", waiting);
  worker::WorkerOptions options;
  options.redis = queue::parse_redis_url(redis.url());
  options.queue = "gone";
  options.exit_when_empty = true;
  options.poll_ms = 20;
  options.lease_ms = 600;  // renewed every 200 ms
  // Flushed; or flushed and laid out again at once, as an enqueue since would (was: "another worker runs the
  // task", exit 0): the job the worker holds is gone either way.
  std::vector<std::string> flush{"FLUSHDB"};
  SUBCASE("flushed") {}
  SUBCASE("flushed, then laid out again") {
    flush = {"EVAL", "redis.call('FLUSHDB') redis.call('SET', KEYS[1], '3') return 1", "1", "swath:{gone}:layout"};
  }
  SUBCASE("flushed, then the task fails before a renewal") {  // the fail script says it too
    options.lease_ms = 60000;
    waiting->fail_once_flushed = true;
  }
  std::thread flusher([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);  // the worker may have failed
    while (!waiting->started && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    redis.cli(flush);
    waiting->flushed = true;
  });
  std::string message, hint;
  try {
    (void)worker::run_worker(options, handlers);
  } catch (const core::DataError& e) {
    message = e.what();
    hint = e.hint();
  }
  flusher.join();
  CHECK_MESSAGE(
      message.find("queue 'gone': it is gone from Redis while this worker held its tasks") != std::string::npos,
      message);
  CHECK(hint.find("enqueue the work again") != std::string::npos);
}
