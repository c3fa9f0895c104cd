// One Redis connection (RAII over hiredis' redisContext): connect + AUTH + SELECT, commands, pipelines,
// Lua scripts by EVALSHA with a NOSCRIPT fallback, and reconnection with backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "queue/redis_url.hpp"

struct redisContext;

namespace swath::queue {

// "BUSY ...": another client's long script holds Redis (not BUSYKEY, BUSYGROUP).
inline bool is_busy_error(const std::string& error) { return error.rfind("BUSY ", 0) == 0; }

// A reply, copied out of hiredis so it owns its data.
struct Value {
  enum class Type { nil, integer, string, array, status, error };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string text;  // string, status and error replies
  std::vector<Value> elements;

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
  // Redis lost the script (SCRIPT FLUSH, a failover): send its source again.
  bool is_noscript() const { return is_error() && text.rfind("NOSCRIPT", 0) == 0; }
  // Another client's long script holds Redis: the command did not run.
  bool is_busy() const { return is_error() && is_busy_error(text); }
  // Typed access; throw DataError naming what the queue expected.
  std::int64_t as_int() const;
  const std::string& as_string() const;
  const std::vector<Value>& as_array() const;
};

// The connection dropped or timed out: retry after reconnecting (see Connection::with_reconnect).
class ConnectionLost : public core::IoError {
 public:
  using core::IoError::IoError;
};

// The server answers but is not ready (LOADING its AOF after a restart, MASTERDOWN, BUSY with another client's
// script): worth waiting for, even on the first connection, where an unreachable server is an error at once.
class ServerNotReady : public ConnectionLost {
 public:
  using ConnectionLost::ConnectionLost;
};

// A Lua script: its source; the connection caches its SHA after the first SCRIPT LOAD.
struct Script {
  const char* name;
  const char* source;
};

// Throws the DataError for a script's error reply: the queue's layout changed under this swath (the scripts
// refuse a layout they do not read, naming both) or another failure. `prefix` is the script's ARGV[1].
[[noreturn]] void script_failed(const Script& script, const std::string& error, const std::string& prefix);

// Shared by the connections of one process that must give up together (a worker's lease, renewal and settle
// connections): when one of them loses Redis, the reconnect timeout runs from then for all of them, and their waits
// for a reply are cut to what is left of it. A hung Redis then ends a worker that long after the first connection
// noticed, not one command timeout per connection later.
struct ContactWatch {
  std::atomic<std::int64_t> lost_since_ms{0};  // steady clock; 0 while Redis answers
};

struct ConnectOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds command_timeout{10000};
  // How long with_reconnect keeps trying before giving up (IoError, exit 1).
  std::chrono::milliseconds reconnect_timeout{60000};
  std::string client_name;  // CLIENT SETNAME, for `redis-cli client list`
  // Asked between reconnection attempts: true ends them at once with core::Interrupted (a shutdown whose
  // grace period ran out must not wait for a Redis that is down).
  std::function<bool()> give_up = nullptr;
  // What such a stop leaves behind, for its message (a worker: the leases in flight expire and run again).
  std::string stop_consequence = {};
  // Asked every 100 ms while a reply is awaited: true stops waiting (core::Interrupted; the connection is closed, its
  // reply lost). For a user's Ctrl-C on a command that only reads or may be run again (a hung Redis otherwise holds
  // it for command_timeout); never for a worker, whose replies say what it holds.
  std::function<bool()> abandon_reply = nullptr;
  std::shared_ptr<ContactWatch> contact = nullptr;  // none: the reconnect timeout runs from this connection's loss
};

class Connection {
 public:
  // Connects, logs in and selects the database; throws IoError with a clear reason (refused, wrong password, ...).
  // A server still loading its data is waited for, up to the reconnect timeout.
  Connection(RedisEndpoint endpoint, ConnectOptions options = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one command. Redis error replies come back as Value::Type::error; a lost connection throws ConnectionLost.
  Value command(const std::vector<std::string>& args);
  // Sends all commands, then reads all replies (one round trip).
  std::vector<Value> pipeline(const std::vector<std::vector<std::string>>& commands);
  // Runs a script (EVALSHA, loading it on NOSCRIPT); a Redis error reply throws DataError naming the script.
  Value eval(const Script& script, const std::vector<std::string>& keys, const std::vector<std::string>& args);
  // Several calls of one script in one round trip.
  std::vector<Value> eval_pipeline(const Script& script, const std::vector<std::vector<std::string>>& keys_args,
                                   std::size_t key_count);

  // Windowed pipelining: send a script call now, read its reply later (replies come back in order), so
  // Redis runs one batch while the caller prepares the next. A NOSCRIPT or error reply is returned as is.
  void send_eval(const Script& script, const std::vector<std::string>& keys_args, std::size_t key_count);
  // The same from views (a million tasks' arguments are not copied but into the connection's buffer).
  void send_eval(const Script& script, const std::vector<std::string_view>& keys_args, std::size_t key_count);
  Value receive() { return read_reply(); }

  // Runs `fn`; when the connection is lost, reconnects with exponential backoff and runs it again,
  // until reconnect_timeout passes (then throws IoError). `fn` must be safe to repeat.
  template <class Fn>
  auto with_reconnect(Fn&& fn) -> decltype(fn()) {
    while (true) {
      try {
        return fn();
      } catch (const ConnectionLost& lost) {
        reconnect(lost);
      }
    }
  }

  const RedisEndpoint& endpoint() const { return endpoint_; }
  bool connected() const { return context_ != nullptr; }
  // Redis TIME in milliseconds: the queue's only clock.
  std::int64_t server_time_ms();
  // Throws IoError when the server may evict keys (a maxmemory-policy other than noeviction) unless
  // `allow_eviction`; returns what else makes it unsafe for a reliable queue (no AOF), for the caller to log.
  std::vector<std::string> check_durability(bool allow_eviction);
  // Throws IoError when the server is a read-only replica: for the commands that write (enqueue, worker).
  void refuse_read_only_replica();

 private:
  // A BUSY reply (another client's long script; what was asked did not run): closes the connection and throws
  // ServerNotReady, which with_reconnect waits out.
  [[noreturn]] void busy(const Value& reply);
  void open();
  void close();
  void log_in();
  void reconnect(const ConnectionLost& cause);
  // How long the next reply may take: the command timeout, or less once Redis is lost (what is left of the reconnect
  // timeout: this connection's while it reconnects, the group's by its ContactWatch); set on the socket.
  std::chrono::milliseconds reply_timeout() const;
  std::chrono::steady_clock::time_point give_up_at() const;  // none (max) while in contact
  void apply_reply_timeout();
  void sleep_unless_giving_up(std::chrono::milliseconds wait, const std::string& waiting_for);
  Value read_reply();
  void* await_reply();  // read_reply with options_.abandon_reply polled
  [[noreturn]] void lost(const std::string& doing);
  const std::string& sha_of(const Script& script);

  RedisEndpoint endpoint_;
  ConnectOptions options_;
  redisContext* context_ = nullptr;
  bool checking_server_ = false;  // log_in() awaits the server's first replies
  bool was_lost_ = false;         // the next open() is a reconnection
  std::string reconnecting_for_;  // why, while reconnect() opens (what a stop while awaiting a reply says)
  std::chrono::steady_clock::time_point give_up_ = std::chrono::steady_clock::time_point::max();  // reconnect()'s
  std::chrono::milliseconds socket_timeout_{0};  // what the socket waits for now
  std::map<const char*, std::string> shas_;
};

}  // namespace swath::queue
