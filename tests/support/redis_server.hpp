// A real redis-server for tests: free loopback port, AOF on, noeviction, in its own scratch directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/scratch.hpp"

namespace swath::test {

struct RedisServerOptions {
  std::string password;  // requirepass when not empty
  std::string appendfsync = "everysec";
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();  // SHUTDOWN (AOF flushed), then the directory is removed
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:PORT/0 (no password)
  const std::string& dir() const { return dir_.path(); }

  void stop();   // SIGTERM: Redis fsyncs the AOF and exits; waits for it
  void kill();   // SIGKILL
  void start();  // (re)starts on the same port and directory, waits until it answers PING
  // SIGSTOP / SIGCONT: a server that accepts connections (the kernel does) but answers nothing, as a hung one.
  void freeze();
  void thaw();
  // Restarts with its data loading slowly (Redis's key-load-delay, in µs per key): it answers LOADING until done.
  // Returns once it answers at all.
  void start_loading_slowly(int microseconds_per_key);
  bool running() const { return process_ != nullptr && process_->running(); }

  // Runs redis-cli against this server; returns its stdout (trimmed of the final newline).
  std::string cli(const std::vector<std::string>& args) const;
  // The work recorded as writing into `location` on queue `queue` (its claim, see docs/queue.md), or "".
  std::string claim(const std::string& queue, const std::string& location) const;

 private:
  RedisServerOptions options_;
  ScratchDir dir_;
  int port_ = 0;
  std::unique_ptr<Background> process_;
  void launch(const std::vector<std::string>& extra_args);
  void wait_for_answer(const std::string& expected);
};

// `args` (a swath command line) with the flags that point it at queue `queue` on `redis`.
std::vector<std::string> with_queue(const RedisServer& redis, const std::string& queue, std::vector<std::string> args);

// A W3C traceparent for tests that check a trace id travels from enqueue to the worker's logs and outputs.
inline const std::string test_traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

// A loopback TCP port nobody listens on right now.
int free_port();

}  // namespace swath::test
