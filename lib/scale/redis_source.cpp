// A plain hiredis connection check, so "Redis unreachable" is a clear error (exit 1) before anything else.
#include "scale/redis_source.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <memory>

#include "core/errors.hpp"

namespace swath::scale {

RedisAddress parse_redis_url(const std::string& url) {
  const std::string scheme = "redis://";
  auto bad = [&](const std::string& why) {
    return core::UsageError("--redis '" + url + "'", why, "write it like redis://127.0.0.1:6379");
  };
  if (url.rfind(scheme, 0) != 0) throw bad("not a redis:// URL");
  std::string rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  RedisAddress address;
  const auto colon = rest.rfind(':');
  address.host = rest.substr(0, colon);
  if (address.host.empty()) throw bad("no host");
  if (colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
    if (ec != std::errc() || end != port.data() + port.size() || address.port < 1 || address.port > 65535) {
      throw bad("port '" + port + "' is not a number from 1 to 65535");
    }
  }
  return address;
}

void check_redis_reachable(const std::string& url, double timeout_seconds) {
  const RedisAddress address = parse_redis_url(url);
  timeval timeout{};
  timeout.tv_sec = static_cast<long>(timeout_seconds);
  timeout.tv_usec = static_cast<long>((timeout_seconds - static_cast<double>(timeout.tv_sec)) * 1e6);
  std::unique_ptr<redisContext, decltype(&redisFree)> context(
      redisConnectWithTimeout(address.host.c_str(), address.port, timeout), &redisFree);
  const std::string hint = "is redis-server running and reachable at " + address.host + ":" + std::to_string(address.port) + "?";
  if (!context) throw core::IoError("Redis unreachable at " + url, "cannot allocate a connection", hint);
  if (context->err != 0) throw core::IoError("Redis unreachable at " + url, context->errstr, hint);
  redisSetTimeout(context.get(), timeout);
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(
      static_cast<redisReply*>(redisCommand(context.get(), "PING")), &freeReplyObject);
  if (!reply) throw core::IoError("Redis unreachable at " + url, context->errstr[0] ? context->errstr : "no reply to PING", hint);
  if (reply->type == REDIS_REPLY_ERROR) throw core::IoError("Redis at " + url, std::string("PING failed: ") + reply->str, hint);
}

SnapshotSource redis_source(const std::string& url, const std::string& queue) {
  return [url, queue]() -> QueueSnapshot {
    check_redis_reachable(url);
    // Not wired: the command passes the queue library's reader to resolve_source (see request.hpp).
    throw core::UsageError("--redis", "reading queue '" + queue + "' from Redis is not wired into this build yet",
                           "save `swath queue stats --queue " + queue + " --json` to a file and pass --stats FILE");
  };
}

}  // namespace swath::scale
