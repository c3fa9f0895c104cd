// End to end: swath enqueue / worker / queue against a real redis-server — results, bad input, Redis trouble.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <thread>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

const std::string& trace = test::test_traceparent;

std::vector<std::string> with_redis(const test::RedisServer& redis, std::vector<std::string> args) {
  return test::with_queue(redis, "cli", std::move(args));
}

void wait_until(const std::function<bool()>& done, int seconds = 30) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(done());
}

// GET http://127.0.0.1:port/metrics; "" when nothing listens.
std::string http_get(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
    (void)::send(fd, request.data(), request.size(), 0);
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

// A loopback server on a free port that answers every connection with an HTTP error page: something, not Redis.
class NotRedis {
 public:
  NotRedis() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t size = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (int client; (client = ::accept(fd_, nullptr, nullptr)) >= 0;) {
        const std::string page = "HTTP/1.1 400 Bad Request\r\n\r\n<html>no</html>";
        (void)::send(client, page.data(), page.size(), MSG_NOSIGNAL);
        ::close(client);
      }
    });
  }
  ~NotRedis() {
    ::shutdown(fd_, SHUT_RDWR);  // accept() returns: the thread ends
    thread_.join();
    ::close(fd_);
  }
  NotRedis(const NotRedis&) = delete;
  NotRedis& operator=(const NotRedis&) = delete;
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("cli queue: enqueue, stats, worker, and enqueueing the same work again is a no-op") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  test::write_text(dir / "in/b.txt", "beta\n");
  auto r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/*.txt", "--output", dir / "out", "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto summary = core::Json::parse(r.out);
  REQUIRE(summary.at("jobs").as_array().size() == 1);
  const std::string job = summary.at("jobs").as_array()[0].as_string();
  CHECK(job.size() == 12);
  CHECK(r.out == "{\"schema\":\"swath.enqueue/1\",\"queue\":\"cli\",\"jobs\":[\"" + job +
                     "\"],\"tasks\":2,\"enqueued\":2,\"duplicates_skipped\":0,\"dead_skipped\":0,\"not_queued\":0}\n");
  r = test::swath(with_redis(
      redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", dir / "in/b.txt", "--output", dir / "out", "--json"}));
  CHECK(core::Json::parse(r.out).at("duplicates_skipped").as_int() == 2);
  r = test::swath(with_redis(redis, {"queue", "stats", "--json"}));
  REQUIRE(r.exit_code == 0);
  auto stats = core::Json::parse(r.out);
  CHECK(stats.at("depth").as_int() == 2);
  CHECK(stats.at("backlog").as_int() == 2);
  CHECK(redis.cli({"LLEN", "swath:{cli}:ready"}) == "2");  // the number KEDA reads
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 2);
  CHECK(core::read_file(dir / "out/b.txt.sha256") == core::sha256_hex("beta\n") + "  b.txt\n");
  stats = core::Json::parse(test::swath(with_redis(redis, {"queue", "stats", "--json"})).out);
  CHECK(stats.at("done").as_int() == 2);
  CHECK(stats.at("depth").as_int() == 0);
  CHECK(stats.at("task_seconds").at("count").as_int() == 2);
  r = test::swath(with_redis(redis, {"queue", "stats", "--prometheus"}));
  CHECK(r.out.find("swath_queue_done_total{queue=\"cli\"} 2\n") != std::string::npos);
  CHECK(r.out.find("swath_queue_backlog{queue=\"cli\"} 0\n") != std::string::npos);
  for (const std::string window : {"0", "-5"}) {  // "throughput over -5 s" is no figure
    r = test::swath(with_redis(redis, {"queue", "stats", "--window", window}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--window") != std::string::npos);
  }
}

TEST_CASE("cli queue: a dead task's log lines carry trace_id, task_id and attempt; dead list, retry, purge") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  auto r = test::swath(with_redis(
      redis, {"--traceparent", trace, "enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out"}));
  REQUIRE(r.exit_code == 0);
  fs::remove(dir / "in/a.txt");  // the input fails to open when the worker runs
  r = test::swath(with_redis(redis, {"--log-format", "json", "worker", "--exit-when-empty"}));
  REQUIRE(r.exit_code == 0);
  bool found = false;
  for (const auto& line : test::lines(r.err)) {
    const auto json = core::Json::parse(line);
    if (json.at("message").as_string().find("dead-lettered") == std::string::npos) continue;
    found = true;
    CHECK(json.at("message").as_string().find("a.txt': it does not exist") != std::string::npos);
    CHECK(json.at("trace_id").as_string() == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(json.at("task_id").as_string().size() == 32);
    CHECK(json.at("attempt").as_int() == 1);
  }
  CHECK(found);
  CHECK_FALSE(fs::exists(dir / "out/a.txt.sha256"));
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto dead = core::Json::parse(r.out).at("tasks");
  REQUIRE(dead.as_array().size() == 1);
  const std::string id = dead.as_array()[0].at("id").as_string();
  // The same work enqueued again is skipped as a duplicate, and said to be dead (it read as done).
  test::write_text(dir / "in/a.txt", "alpha\n");
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out"}));
  CHECK(r.exit_code == 0);
  CHECK_MESSAGE(r.out.find("1 duplicates skipped, 1 of them dead: `swath queue dead retry ID...` queues them again "
                           "(ids in `swath queue dead list`); those past their job's deadline: --force with a later "
                           "--deadline") != std::string::npos,  // which dead retry refuses: was not said
                r.out);
  r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out", "--json"}));
  CHECK(core::Json::parse(r.out).at("dead_skipped").as_int() == 1);
  r = test::swath(with_redis(redis, {"queue", "dead", "retry"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("name the dead task ids or give --all") != std::string::npos);
  r = test::swath(with_redis(redis, {"queue", "dead", "retry", "--all", id}));  // said "name ... or give --all"
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--all with task ids: they say two things (hint: give either the ids or --all)") !=
        std::string::npos);
  CHECK(test::swath(with_redis(redis, {"queue", "dead", "retry", id})).out == "queued again 1 dead tasks\n");
  test::write_text(dir / "in/a.txt", "alpha\n");
  CHECK(test::swath(with_redis(redis, {"worker", "--exit-when-empty"})).exit_code == 0);
  CHECK(fs::exists(dir / "out/a.txt.sha256"));
  CHECK(test::swath(with_redis(redis, {"queue", "dead", "purge", "--all"})).out == "purged 0 dead tasks\n");
  // --json for a script: one object, as list has.
  const auto purged =
      core::Json::parse(test::swath(with_redis(redis, {"queue", "dead", "purge", "--all", "--json"})).out);
  CHECK(purged.at("action").as_string() == "purge");
  CHECK(purged.at("tasks").as_int() == 0);
  CHECK(purged.at("queue").as_string() == "cli");
}

TEST_CASE("cli queue: stats of a queue never used says so; dead retry/purge of ids that are not dead tasks exit 2") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out"}))
              .exit_code == 0);
  fs::remove(dir / "in/a.txt");
  REQUIRE(test::swath(with_redis(redis, {"worker", "--exit-when-empty"})).exit_code == 0);  // dead: no input
  // The id a user sees in `dead list`; Redis keeps it under its job as JOB:ID.
  const auto listed = core::Json::parse(test::swath(with_redis(redis, {"queue", "dead", "list", "--json"})).out);
  REQUIRE(listed.at("tasks").as_array().size() == 1);
  const std::string id = listed.at("tasks").as_array()[0].at("id").as_string();
  REQUIRE(id.size() == 32);
  CHECK(redis.cli({"LINDEX", "swath:{cli}:dead", "0"}) ==
        listed.at("tasks").as_array()[0].at("job").as_string() + ":" + id);

  // A misspelt queue reads zeros (still exit 0, for KEDA and scripts) but says it was never used.
  auto r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "clli"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(
            "note: queue 'clli' has never been used on this server (nothing was enqueued on it); did you mean 'cli'? "
            "queues it holds: cli\n") != std::string::npos);
  // Of many queues, 20 are listed, saying how many more there are (was: cut at 20 without a word).
  for (int i = 0; i < 25; ++i) redis.cli({"HSET", "swath:{other" + std::to_string(100 + i) + "}:stats", "done", "0"});
  r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "nosuch"});
  CHECK_MESSAGE(r.out.find("(and 6 more)\n") != std::string::npos, r.out);
  for (int i = 0; i < 25; ++i) redis.cli({"DEL", "swath:{other" + std::to_string(100 + i) + "}:stats"});
  r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "clli", "--json"});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(core::Json::parse(r.out).at("exists").as_bool());
  CHECK(r.err.find("queue 'clli' has never been used") != std::string::npos);
  r = test::swath(with_redis(redis, {"queue", "stats", "--json"}));
  CHECK(core::Json::parse(r.out).at("exists").as_bool());
  CHECK(r.out.find("note:") == std::string::npos);
  // A worker on it says so too (it polled, or exited at once, without a word), and one on the real queue does not.
  r = test::swath({"worker", "--redis", redis.url(), "--queue", "clli", "--exit-when-empty"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("queue 'clli' has never been used on this server") != std::string::npos);
  CHECK(r.err.find("exiting: nothing to do (--exit-when-empty)") != std::string::npos);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty"}));
  CHECK(r.err.find("has never been used") == std::string::npos);
  // So do jobs, dead list and dead retry|purge --all, which said "no jobs", "no dead tasks", "queued again 0" (exit 0)
  // as for an empty queue.
  for (const auto& args : {std::vector<std::string>{"queue", "jobs"},
                           {"queue", "dead", "list"},
                           {"queue", "dead", "retry", "--all"},
                           {"queue", "dead", "purge", "--all"}}) {
    auto argv = args;
    argv.insert(argv.end(), {"--redis", redis.url(), "--queue", "clli"});
    r = test::swath(argv);
    CHECK(r.exit_code == 0);
    CHECK_MESSAGE(r.err.find("queue 'clli' has never been used on this server") != std::string::npos, r.err);
    if (args[1] == "dead" && args[2] != "list") continue;  // on the real queue it would change the dead task
    r = test::swath(with_redis(redis, args));
    CHECK(r.err.find("has never been used") == std::string::npos);
  }

  // Ids that are not dead tasks of this queue: refused whole, naming them; the dead task stays dead.
  r = test::swath(with_redis(redis, {"queue", "dead", "retry", id, "0123abcd"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "swath queue: 0123abcd: not dead tasks of queue 'cli'; nothing was queued again (hint: swath queue dead "
        "list shows the dead tasks)\n");
  r = test::swath(with_redis(redis, {"queue", "dead", "purge", "UNKNOWN"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("UNKNOWN: not dead tasks of queue 'cli'; nothing was purged") != std::string::npos);
  r = test::swath(
      {"queue", "dead", "retry", id, "--redis", redis.url(), "--queue", "clli"});  // the right id, the wrong queue
  CHECK(r.exit_code == 2);
  CHECK(redis.cli({"LLEN", "swath:{cli}:dead"}) == "1");
  CHECK(redis.cli({"LLEN", "swath:{cli}:ready"}) == "0");
  CHECK(test::swath(with_redis(redis, {"queue", "dead", "purge", id})).out == "purged 1 dead tasks\n");
}

TEST_CASE("cli queue: bad flags are usage errors and queue nothing") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "alpha\n");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"enqueue", "--kind", "tiel", dir / "in/a.txt", "--output", dir / "out"},
       "unknown task kind 'tiel' (hint: did you mean 'tile'?"},
      {{"enqueue", "--kind", "tile", dir / "in/nope.tif", "--output", dir / "out"}, "does not exist"},
      {{"enqueue", "--kind", "tile", dir / "in/*.tif", "--output", dir / "out"}, "matches no file"},
      {{"enqueue", "--kind", "tile", dir / "in/a.txt", "--output", dir / "out", "--options", "{"},
       "--options is not JSON"},
      {{"enqueue", "--kind", "tile", dir / "in/a.txt", "--output", dir / "out", "--priority", "urgent"},
       "unknown priority"},
      {{"worker", "--concurrency", "0"}, "worker.concurrency"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    const auto r = test::swath(with_redis(redis, c.args));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  auto r = test::swath({"queue", "stats", "--redis", "http://x", "--queue", "q"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("it must start with redis:// or unix://") != std::string::npos);
  r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "a b"});
  CHECK(r.exit_code == 2);
  CHECK(redis.cli({"DBSIZE"}) == "0");
}

TEST_CASE("cli queue: Redis down at start exits 1 with a clear message") {
  const int port = test::free_port();
  const std::string url = "redis://127.0.0.1:" + std::to_string(port) + "/0";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"worker", "--redis", url, "--queue", "q"},
                                             {"queue", "stats", "--redis", url, "--queue", "q"},
                                             {"enqueue", "--redis", url, "--queue", "q", "--kind", "noop",
                                              SWATH_SOURCE_DIR "/CMakeLists.txt", "--output", "/tmp/x"}}) {
    const auto r = test::swath(args);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("cannot connect to Redis at " + url + ": Connection refused") != std::string::npos);
    CHECK(r.out.empty());
  }
  // The worker's --json summary carries the error as swath.error/1 does: a script reads kind and exit_code. Before
  // the stand-in below listens: the kernel may give it that same free port (CI once saw "Protocol error" here).
  {
    const auto r = test::swath({"worker", "--redis", url, "--queue", "q", "--json"});
    CHECK(r.exit_code == 1);
    const auto json = core::Json::parse(r.out);
    CHECK(json.at("schema").as_string() == "swath.worker/1");
    CHECK(json.at("kind").as_string() == "io");
    CHECK(json.at("exit_code").as_int() == 1);
    CHECK(json.at("why").as_string() == "Connection refused");
  }
  // Something else on the port: said so at once, not retried as a lost connection.
  const NotRedis other;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"worker", "--redis", other.url(), "--queue", "q"},
        {"queue", "stats", "--redis", other.url(), "--queue", "q"}}) {
    const auto r = test::swath(args);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find("the server at " + other.url() + " does not answer as Redis does") != std::string::npos,
                  r.err);
    CHECK(r.err.find("reconnect") == std::string::npos);
  }
}

TEST_CASE("cli queue: a wrong password exits 1 with a clear message and is never printed") {
  test::RedisServer redis({.password = "right-one"});
  test::ScratchDir dir;
  test::write_text(dir / "pw", "wrong-one\n");
  auto r =
      test::swath({"-v", "-v", "worker", "--redis", redis.url(), "--queue", "q", "--redis-password-file", dir / "pw"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot log in to Redis at " + redis.url() + ": the server refused the password from file") !=
        std::string::npos);
  CHECK(r.err.find("wrong-one") == std::string::npos);
  r = test::swath({"-v", "-v", "queue", "stats", "--redis", redis.url(), "--queue", "q"},
                  {.env = {{"SWATH_REDIS_PASSWORD", "wrong-two"}}});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("password from env SWATH_REDIS_PASSWORD") != std::string::npos);
  CHECK(r.err.find("wrong-two") == std::string::npos);
  r = test::swath({"queue", "stats", "--redis", redis.url(), "--queue", "q"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the server requires a password") != std::string::npos);
  r = test::swath({"queue", "stats", "--json", "--redis", redis.url(), "--queue", "q"},
                  {.env = {{"SWATH_REDIS_PASSWORD", "right-one"}}});
  CHECK(r.exit_code == 0);
}

TEST_CASE("cli queue: Redis restarting mid-run: the worker reconnects and finishes; gone for good: exit 1") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/CMakeLists.txt", SWATH_SOURCE_DIR "/Makefile",
                         "--output", dir / "out", "--options", "{\"sleep_ms\":1500}"}));
  REQUIRE(r.exit_code == 0);
  test::Background worker({SWATH_BINARY, "--log-format", "text", "worker", "--redis", redis.url(), "--queue", "cli",
                           "--exit-when-empty", "--reconnect-timeout", "20"});
  wait_until([&] { return redis.cli({"ZCARD", "swath:{cli}:leased"}) == "1"; });
  redis.stop();  // SIGTERM: Redis writes its AOF and exits, as in a rolling restart
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  redis.start();
  const auto done = worker.wait();
  CHECK(done.exit_code == 0);
  CHECK(done.err.find("reconnecting") != std::string::npos);
  CHECK(done.err.find("reconnected to Redis") != std::string::npos);
  CHECK(redis.cli({"HGET", "swath:{cli}:stats", "done"}) == "2");

  REQUIRE(test::swath(
              with_redis(redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/README.md", "--output", dir / "out"}))
              .exit_code == 0);
  test::Background lonely(
      {SWATH_BINARY, "worker", "--redis", redis.url(), "--queue", "cli", "--reconnect-timeout", "1", "--json"});
  // Connected and done with its task first (a slow start under ASan would otherwise meet no server at all).
  wait_until([&] { return redis.cli({"HGET", "swath:{cli}:stats", "done"}) == "3"; });
  redis.stop();
  const auto gone = lonely.wait();
  CHECK(gone.exit_code == 1);
  CHECK(gone.err.find("is unreachable") != std::string::npos);
  // --json still gives the counts, and why it stopped.
  const auto summary = core::Json::parse(gone.out);
  CHECK(summary.at("schema").as_string() == "swath.worker/1");
  CHECK(summary.at("committed").as_int() == 1);
  CHECK(summary.at("error").as_string().find("is unreachable") != std::string::npos);
}

TEST_CASE("cli queue: worker --metrics-port serves Prometheus counters while it runs") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "noop", SWATH_SOURCE_DIR "/CMakeLists.txt", "--output",
                                         dir / "out", "--options", "{\"sleep_ms\":100}"}))
              .exit_code == 0);
  const int port = test::free_port();
  test::Background worker(
      {SWATH_BINARY, "worker", "--redis", redis.url(), "--queue", "cli", "--metrics-port", std::to_string(port)});
  std::string text;
  wait_until([&] {
    text = http_get(port);
    return text.find("result=\"committed\"} 1") != std::string::npos;
  });
  CHECK(text.rfind("HTTP/1.0 200 OK", 0) == 0);
  CHECK(text.find("swath_worker_leased_total{queue=\"cli\",worker=\"") != std::string::npos);
  worker.signal(SIGTERM);
  CHECK(worker.wait().exit_code == 130);
}

TEST_CASE("cli worker --max-tasks: settles its share and exits 0, the rest stays queued for others") {
  test::RedisServer redis;
  test::ScratchDir dir;
  for (int i = 0; i < 5; ++i) test::write_text(dir / ("in/" + std::to_string(i) + ".txt"), std::to_string(i) + "\n");
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/*.txt", "--output", dir / "out"}))
              .exit_code == 0);
  auto r = test::swath(with_redis(redis, {"worker", "--max-tasks", "2", "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 2);
  CHECK(redis.cli({"LLEN", "swath:{cli}:ready"}) == "3");
  r = test::swath(
      with_redis(redis, {"worker", "--max-tasks", "9", "--exit-when-empty", "--json"}));  // whichever comes first
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 3);
  for (const std::string bad : {"0", "-1"}) {
    r = test::swath(with_redis(redis, {"worker", "--max-tasks", bad}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("swath worker: --max-tasks: '" + bad + "' must be 1 or more") != std::string::npos);
    CHECK(r.err.find("179769") == std::string::npos);  // not CLI11's range up to DBL_MAX
  }
}

TEST_CASE("cli queue: a Redis still loading its data is waited for; Ctrl-C ends that wait (exit 130), not the load") {
  test::RedisServer redis;
  // 4000 keys in the AOF's base, loaded 2 ms apart: ~8 s of LOADING on restart.
  const auto rewritten = [&] {  // no rewrite running nor scheduled (the first start makes the AOF's base by one)
    const auto info = redis.cli({"INFO", "persistence"});
    return info.find("aof_rewrite_in_progress:0") != std::string::npos &&
           info.find("aof_rewrite_scheduled:0") != std::string::npos;
  };
  wait_until(rewritten);
  redis.cli({"EVAL", "for i = 1, 4000 do redis.call('SET', 'filler:' .. i, 'x') end", "0"});
  redis.cli({"BGREWRITEAOF"});
  wait_until(rewritten);
  redis.stop();
  redis.start_loading_slowly(2000);
  REQUIRE(redis.cli({"PING"}).rfind("LOADING", 0) == 0);
  test::Background stats(with_redis(redis, {SWATH_BINARY, "queue", "stats", "--json"}));
  // Signalled once it says it waits: a fixed pause let a slow (ASan, loaded) start-up be killed before its handlers.
  wait_until([&] { return stats.err_so_far().find("is loading the dataset") != std::string::npos; });
  stats.signal(SIGINT);
  auto r = stats.wait(std::chrono::seconds(60));
  INFO(r.err);
  CHECK(r.exit_code == 130);  // was: waited for the whole load, then printed the stats
  CHECK(r.err.find("swath queue: stopped while waiting for Redis at " + redis.url() + " (LOADING") !=
        std::string::npos);
  CHECK(r.err.find("leases") == std::string::npos);  // a worker's consequence, not this command's
  CHECK(core::Json::parse(r.out).at("kind").as_string() == "interrupted");
  // Left alone, it waits for the load and answers.
  REQUIRE(redis.cli({"PING"}).rfind("LOADING", 0) == 0);
  r = test::swath(with_redis(redis, {"queue", "stats", "--json"}));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("is loading the dataset") != std::string::npos);  // said while it waited
  CHECK(core::Json::parse(r.out).at("queue").as_string() == "cli");
}
