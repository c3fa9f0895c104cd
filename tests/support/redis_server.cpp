// Starting and stopping redis-server for tests.
#include "support/redis_server.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace swath::test {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)), port_(free_port()) { start(); }

RedisServer::~RedisServer() {
  try {
    stop();
  } catch (...) {}
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

void RedisServer::start() {
  launch({});
  wait_for_answer("PONG");
}

void RedisServer::start_loading_slowly(int microseconds_per_key) {
  // Events (connections) are served between loaded chunks of this many bytes: every key or so, not every 2 MB.
  launch({"--key-load-delay", std::to_string(microseconds_per_key), "--loading-process-events-interval-bytes", "1024"});
  wait_for_answer("");  // LOADING is an answer too
}

void RedisServer::launch(const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{"redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                dir_.path(),
                                "--appendonly",
                                "yes",
                                "--appendfsync",
                                options_.appendfsync,
                                "--maxmemory-policy",
                                "noeviction",
                                "--save",
                                "",
                                "--daemonize",
                                "no",
                                "--logfile",
                                dir_.path() + "/redis.log"};
  if (!options_.password.empty()) argv.insert(argv.end(), {"--requirepass", options_.password});
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = std::make_unique<Background>(argv);
}

void RedisServer::wait_for_answer(const std::string& expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> ping{"redis-cli", "-p", std::to_string(port_), "--no-auth-warning"};
    if (!options_.password.empty()) ping.insert(ping.end(), {"-a", options_.password});
    ping.push_back("PING");
    const std::string answer = run(ping).out;
    if (!answer.empty() && answer.rfind("Could not connect", 0) != 0 && answer.rfind(expected, 0) == 0) return;
    if (!process_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) + " (see " + dir_.path() +
                           "/redis.log)");
}

void RedisServer::freeze() { process_->signal(SIGSTOP); }

void RedisServer::thaw() { process_->signal(SIGCONT); }

void RedisServer::stop() {
  if (process_ == nullptr) return;
  if (process_->running()) {
    process_->signal(SIGCONT);  // a frozen server takes its SIGTERM only once running again
    process_->signal(SIGTERM);
  }
  process_->wait();
  process_.reset();
}

void RedisServer::kill() {
  if (process_ == nullptr) return;
  process_->signal(SIGKILL);
  process_->wait();
  process_.reset();
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"redis-cli", "-p", std::to_string(port_), "--no-auth-warning"};
  if (!options_.password.empty()) argv.insert(argv.end(), {"-a", options_.password});
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = run(argv).out;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<std::string> with_queue(const RedisServer& redis, const std::string& queue, std::vector<std::string> args) {
  args.insert(args.end(), {"--redis", redis.url(), "--queue", queue});
  return args;
}

std::string RedisServer::claim(const std::string& queue, const std::string& location) const {
  // Read as docs/queue.md lays claims out, independently of lib/queue/claims.cpp.
  return cli({"EVAL", R"lua(
local p, loc = ARGV[1], ARGV[2]
local s = string.find(loc, '/[^/]*$')
local dir, name = string.sub(loc, 1, s - 1), string.sub(loc, s + 1)
local d = string.sub(redis.sha1hex(dir), 1, 12)
local n = tonumber(redis.call('HGET', p .. 'claim_dirs', d) or '0')
if n == 0 then return redis.call('HGET', p .. 'claims', loc) end
return redis.call('HGET', p .. 'claims:' .. d .. ':' .. (tonumber(string.sub(redis.sha1hex(name), 1, 6), 16) % n), name)
)lua",
              "0", "swath:{" + queue + "}:", location});
}

}  // namespace swath::test
