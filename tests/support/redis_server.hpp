// A real redis-server for tests: free loopback port, AOF on, noeviction, in its own scratch directory.
#pragma once

#include <memory>
#include <string>

#include "support/process.hpp"
#include "support/scratch.hpp"

namespace swath::test {

struct RedisServerOptions {
  std::string password;       // requirepass when not empty
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

  void stop();     // SIGTERM: Redis fsyncs the AOF and exits; waits for it
  void kill();     // SIGKILL
  void start();    // (re)starts on the same port and directory, waits until it answers PING
  bool running() const { return process_ != nullptr && process_->running(); }

  // Runs redis-cli against this server; returns its stdout (trimmed of the final newline).
  std::string cli(const std::vector<std::string>& args) const;

 private:
  RedisServerOptions options_;
  ScratchDir dir_;
  int port_ = 0;
  std::unique_ptr<Background> process_;
};

// A loopback TCP port nobody listens on right now.
int free_port();

}  // namespace swath::test
