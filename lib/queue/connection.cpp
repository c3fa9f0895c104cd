// hiredis behind RAII: every reply is copied into a Value and freed at once; errors become exceptions.
#include "queue/connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "log/logger.hpp"

namespace swath::queue {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

Value copy_reply(const redisReply* reply) {
  Value value;
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      value.type = Value::Type::integer;
      value.integer = reply->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      value.type = reply->type == REDIS_REPLY_STRING   ? Value::Type::string
                   : reply->type == REDIS_REPLY_STATUS ? Value::Type::status
                                                       : Value::Type::error;
      value.text.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = Value::Type::array;
      value.elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) value.elements.push_back(copy_reply(reply->element[i]));
      break;
    default:
      break;
  }
  return value;
}

template <class Text>
void append(redisContext* context, const std::vector<Text>& args, std::vector<std::string_view> head = {}) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(head.size() + args.size());
  lengths.reserve(head.size() + args.size());
  for (const auto& a : head) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data());
}

std::vector<std::string> eval_args(const std::string& verb, const std::string& body,
                                   const std::vector<std::string>& keys_args, std::size_t key_count) {
  std::vector<std::string> args{verb, body, std::to_string(key_count)};
  args.insert(args.end(), keys_args.begin(), keys_args.end());
  return args;
}

}  // namespace

std::int64_t Value::as_int() const {
  if (type == Type::integer) return integer;
  if (type == Type::string) return std::stoll(text);
  throw core::DataError("unexpected reply from Redis", "expected an integer", "is this a swath queue?");
}

const std::string& Value::as_string() const {
  if (type == Type::string || type == Type::status) return text;
  throw core::DataError("unexpected reply from Redis", "expected a string", "is this a swath queue?");
}

const std::vector<Value>& Value::as_array() const {
  if (type == Type::array) return elements;
  throw core::DataError("unexpected reply from Redis", "expected an array", "is this a swath queue?");
}

Connection::Connection(RedisEndpoint endpoint, ConnectOptions options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)) {
  try {
    open();
  } catch (const ServerNotReady& not_ready) {
    log::get("queue")->warn("{}: {}; waiting for it", not_ready.subject(), not_ready.why());
    reconnect(not_ready);
  }
}

Connection::~Connection() { close(); }

void Connection::close() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  shas_.clear();
}

void Connection::apply_reply_timeout() {
  const auto timeout = reply_timeout();
  if (timeout == socket_timeout_) return;
  redisSetTimeout(context_, to_timeval(timeout));
  socket_timeout_ = timeout;
}

void Connection::open() {
  close();
  // The group's loss this open ends (not one another connection meets meanwhile).
  std::int64_t ended = options_.contact ? options_.contact->lost_since_ms.load() : 0;
  const timeval tv = to_timeval(std::min(options_.connect_timeout, reply_timeout()));
  context_ = endpoint_.unix_socket.empty() ? redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv)
                                           : redisConnectUnixWithTimeout(endpoint_.unix_socket.c_str(), tv);
  if (context_ == nullptr || context_->err != 0) {
    const std::string why = context_ != nullptr ? context_->errstr : "out of memory";
    close();
    throw ConnectionLost("cannot connect to Redis at " + endpoint_.describe(), why,
                         "is redis-server running and reachable? check --redis");
  }
  socket_timeout_ = std::chrono::milliseconds(0);
  apply_reply_timeout();
  log_in();
  if (options_.contact && ended != 0) options_.contact->lost_since_ms.compare_exchange_strong(ended, 0);
  if (was_lost_) {
    log::get("queue")->info("reconnected to Redis at {}", endpoint_.describe());
    was_lost_ = false;
  }
}

void Connection::lost(const std::string& doing) {
  std::string why = context_ != nullptr && context_->err != 0 ? context_->errstr : "connection closed";
  // Only while its first reply is awaited: mid-session a protocol error (a proxy's glitch) is a lost connection.
  const bool not_redis = checking_server_ && context_ != nullptr && context_->err == REDIS_ERR_PROTOCOL;
  if (why == std::strerror(EAGAIN)) {  // the socket's timeout, or await_reply's
    why = "no answer within " + fmt::format("{:g}", static_cast<double>(socket_timeout_.count()) / 1000.0) +
          " s (a hung or overloaded server)";
  }
  close();
  if (options_.contact) {
    std::int64_t connected = 0;
    const auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
    options_.contact->lost_since_ms.compare_exchange_strong(connected, now.count());
  }
  if (not_redis) {
    // Something else listens there (an HTTP server, a wrong port): reconnecting would meet it again.
    throw core::IoError("the server at " + endpoint_.describe() + " does not answer as Redis does", why,
                        "check --redis: is that the port redis-server listens on?");
  }
  was_lost_ = true;
  const std::string what = "lost the connection to Redis at " + endpoint_.describe() + " while " + doing;
  log::get("queue")->warn("{}: {}; reconnecting", what, why);
  // Said to a user only where nothing retried (a one-shot command) or by a loop that says its own retrying.
  throw ConnectionLost(what, why, "check the server (redis-cli ping)");
}

// redisGetReply's loop (write what is pending, read until a reply parses), waiting in short polls so that a stop is
// seen; the command timeout still bounds a silent server.
void* Connection::await_reply() {
  void* raw = nullptr;
  int written = 0;
  while (written == 0) {
    if (redisBufferWrite(context_, &written) != REDIS_OK) lost("sending a command");
  }
  const auto timeout = std::chrono::steady_clock::now() + socket_timeout_;
  while (true) {
    if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) lost("reading a reply");
    if (raw != nullptr) return raw;
    pollfd ready{context_->fd, POLLIN, 0};
    const int polled = ::poll(&ready, 1, 100);
    if (polled < 0 && errno != EINTR) {
      context_->err = REDIS_ERR_IO;
      std::snprintf(context_->errstr, sizeof context_->errstr, "%s", std::strerror(errno));
      lost("waiting for a reply");
    }
    if (polled > 0) {
      if (redisBufferRead(context_) != REDIS_OK) lost("reading a reply");
      continue;
    }
    if (options_.abandon_reply()) {
      close();  // a reply may still come: the connection is out of step
      // While reconnecting (a server still loading its data answers late), the reason it is waited for.
      throw core::Interrupted("stopped while waiting for Redis at " + endpoint_.describe() +
                              (reconnecting_for_.empty() ? " to reply" : " (" + reconnecting_for_ + ")") +
                              (options_.stop_consequence.empty() ? "" : ": " + options_.stop_consequence));
    }
    if (std::chrono::steady_clock::now() >= timeout) {
      context_->err = REDIS_ERR_IO;
      std::snprintf(context_->errstr, sizeof context_->errstr, "%s", std::strerror(EAGAIN));
      lost("reading a reply");
    }
  }
}

Value Connection::read_reply() {
  apply_reply_timeout();
  void* raw = nullptr;
  if (options_.abandon_reply) {
    raw = await_reply();
  } else if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    lost("reading a reply");
  }
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
  return copy_reply(reply.get());
}

Value Connection::command(const std::vector<std::string>& args) {
  if (context_ == nullptr) open();
  append(context_, args);
  Value reply = read_reply();
  if (reply.is_busy()) busy(reply);
  return reply;
}

void Connection::busy(const Value& reply) {
  // Not run: waited out as a restarting server is (with_reconnect), not a refusal of what was asked.
  close();
  throw ServerNotReady("Redis at " + endpoint_.describe() + " is busy with another client's script", reply.text,
                       "wait for the script to end");
}

std::vector<Value> Connection::pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (context_ == nullptr) open();
  for (const auto& c : commands) append(context_, c);
  std::vector<Value> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(read_reply());
  return replies;
}

const std::string& Connection::sha_of(const Script& script) {
  auto it = shas_.find(script.source);
  if (it != shas_.end()) return it->second;
  const Value sha = command({"SCRIPT", "LOAD", script.source});
  if (sha.is_error()) {
    throw core::DataError(std::string("Redis refused swath's ") + script.name + " script", sha.text,
                          "Redis 6.2 or newer is required");
  }
  return shas_[script.source] = sha.as_string();
}

Value Connection::eval(const Script& script, const std::vector<std::string>& keys,
                       const std::vector<std::string>& args) {
  std::vector<std::string> keys_args = keys;
  keys_args.insert(keys_args.end(), args.begin(), args.end());
  return eval_pipeline(script, {keys_args}, keys.size()).front();
}

std::vector<Value> Connection::eval_pipeline(const Script& script,
                                             const std::vector<std::vector<std::string>>& keys_args,
                                             std::size_t key_count) {
  if (context_ == nullptr) open();
  const std::string sha = sha_of(script);
  std::vector<std::vector<std::string>> commands;
  for (const auto& ka : keys_args) commands.push_back(eval_args("EVALSHA", sha, ka, key_count));
  auto replies = pipeline(commands);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    // SCRIPT FLUSH or a failover to a replica without the script: send the source once.
    if (replies[i].is_noscript()) {
      shas_.erase(script.source);
      replies[i] = command(eval_args("EVAL", script.source, keys_args[i], key_count));
    }
    if (replies[i].is_error()) script_failed(script, replies[i].text, keys_args[i].at(key_count));
  }
  return replies;
}

void Connection::send_eval(const Script& script, const std::vector<std::string>& keys_args, std::size_t key_count) {
  send_eval(script, std::vector<std::string_view>(keys_args.begin(), keys_args.end()), key_count);
}

void Connection::send_eval(const Script& script, const std::vector<std::string_view>& keys_args,
                           std::size_t key_count) {
  if (context_ == nullptr) open();
  apply_reply_timeout();  // its write waits this long too
  const std::string sha = sha_of(script);
  const std::string count = std::to_string(key_count);
  append(context_, keys_args, {"EVALSHA", sha, count});
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) lost("sending a pipelined script call");
  }
}

std::int64_t Connection::server_time_ms() {
  const Value time = command({"TIME"});
  const auto& parts = time.as_array();
  return parts.at(0).as_int() * 1000 + parts.at(1).as_int() / 1000;
}

}  // namespace swath::queue
