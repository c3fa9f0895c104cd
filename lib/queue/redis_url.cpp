// Redis URL parsing and password resolution, with credentials kept out of every message.
#include "queue/redis_url.hpp"

#include <cstdlib>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace swath::queue {

namespace {

core::UsageError bad_url(const std::string& why) {
  return core::UsageError("bad --redis URL", why,
                          "use redis://[user:password@]host:port/db or unix:///path/to/redis.sock?db=N");
}

int parse_number(const std::string& text, const char* what, int max) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 6) {
    throw bad_url(std::string(what) + " '" + text + "' is not a number");
  }
  const int value = std::stoi(text);
  if (value > max) throw bad_url(std::string(what) + " " + text + " is out of range");
  return value;
}

// "%40" → "@": passwords with reserved characters are percent-encoded in URLs.
std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const std::string hex = text.substr(i + 1, 2);
      if (hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos) {
        out += static_cast<char>(std::stoi(hex, nullptr, 16));
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

void parse_credentials(const std::string& userinfo, RedisEndpoint& endpoint) {
  const auto colon = userinfo.find(':');
  if (colon == std::string::npos) {
    // redis://secret@host: a lone token is the password, as redis-cli reads it (never shown in a message). An ACL
    // user whose password comes from SWATH_REDIS_PASSWORD or a file: redis://user:@host.
    endpoint.password = percent_decode(userinfo);
  } else {
    endpoint.user = percent_decode(userinfo.substr(0, colon));
    endpoint.password = percent_decode(userinfo.substr(colon + 1));
  }
  if (!endpoint.password.empty()) endpoint.password_source = "the URL";
}

void parse_tcp(const std::string& rest, RedisEndpoint& endpoint) {
  std::string hostport = rest;
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    hostport = rest.substr(0, slash);
    const std::string db = rest.substr(slash + 1);
    if (!db.empty()) endpoint.db = parse_number(db, "database", 1 << 20);
  }
  const auto at = hostport.rfind('@');
  if (at != std::string::npos) {
    parse_credentials(hostport.substr(0, at), endpoint);
    hostport = hostport.substr(at + 1);
  }
  if (!hostport.empty() && hostport[0] == '[') {  // an IPv6 address: [::1] or [::1]:6380 (RFC 3986)
    const auto close = hostport.find(']');
    const std::string after = close == std::string::npos ? "" : hostport.substr(close + 1);
    if (close == std::string::npos || (!after.empty() && after[0] != ':'))
      throw bad_url("unclosed '[' of an IPv6 host");
    endpoint.host = hostport.substr(1, close - 1);
    if (!after.empty()) endpoint.port = parse_number(after.substr(1), "port", 65535);
    if (endpoint.host.empty()) throw bad_url("no host");
    return;
  }
  // "redis://" alone, or "redis:///0", names no server: not the default's 127.0.0.1:6379 without a word.
  if (hostport.empty()) throw bad_url("no host");
  const auto colon = hostport.rfind(':');
  if (colon != std::string::npos) {
    endpoint.host = hostport.substr(0, colon);
    endpoint.port = parse_number(hostport.substr(colon + 1), "port", 65535);
    if (endpoint.port == 0) throw bad_url("port 0 is no port a server listens on");
  } else {
    endpoint.host = hostport;
  }
  if (endpoint.host.empty()) throw bad_url("no host");
}

void parse_unix(const std::string& rest, RedisEndpoint& endpoint) {
  std::string path = rest;
  const auto query = rest.find('?');
  if (query != std::string::npos) {
    path = rest.substr(0, query);
    const std::string q = rest.substr(query + 1);
    if (q.rfind("db=", 0) != 0) throw bad_url("unknown query '" + q + "' (only db=N)");
    endpoint.db = parse_number(q.substr(3), "database", 1 << 20);
  }
  if (path.empty() || path[0] != '/') throw bad_url("a unix socket path must be absolute");
  endpoint.unix_socket = path;
}

}  // namespace

std::string RedisEndpoint::describe() const {
  if (!unix_socket.empty()) return "unix://" + unix_socket + "?db=" + std::to_string(db);
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;  // IPv6
  return "redis://" + (user.empty() ? "" : user + "@") + shown + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisEndpoint parse_redis_url(const std::string& url) {
  RedisEndpoint endpoint;
  if (url.rfind("redis://", 0) == 0) {
    parse_tcp(url.substr(8), endpoint);
  } else if (url.rfind("unix://", 0) == 0) {
    parse_unix(url.substr(7), endpoint);
  } else if (url.rfind("rediss://", 0) == 0) {
    throw core::UsageError("bad --redis URL", "TLS (rediss://) is not supported by this build's hiredis 0.14",
                           "reach Redis over a TLS sidecar or a private network");
  } else {
    throw bad_url("it must start with redis:// or unix://");
  }
  return endpoint;
}

RedisEndpoint parse_redis_url(const std::string& url, const std::string& origin) {
  try {
    return parse_redis_url(url);
  } catch (const core::UsageError& e) {
    if (origin.rfind("--", 0) == 0) throw core::UsageError("bad " + origin + " URL", e.why(), e.hint());
    if (origin.rfind("env ", 0) != 0 && origin.rfind("file ", 0) != 0) throw;
    throw core::UsageError("bad Redis URL in " + origin, e.why(), e.hint());
  }
}

void resolve_password(RedisEndpoint& endpoint, const std::string& password_file) {
  if (!password_file.empty()) {
    std::string text;
    try {
      text = core::read_file(password_file);
    } catch (const core::IoError& e) {
      throw core::IoError("cannot read the --redis-password-file '" + password_file + "'", e.why(),
                          "give the file holding the Redis password (or set SWATH_REDIS_PASSWORD instead)");
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    endpoint.password = text;
    endpoint.password_source = "file " + password_file;
    return;
  }
  if (!endpoint.password.empty()) return;
  for (const char* name : {"SWATH_REDIS_PASSWORD", "REDIS_PASSWORD"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') {
      endpoint.password = value;
      endpoint.password_source = std::string("env ") + name;
      return;
    }
  }
}

std::string redacted_url(const std::string& text) {
  constexpr std::string_view scheme = "redis://";
  if (text.rfind(scheme, 0) != 0) return text;
  const auto end = text.find('/', scheme.size());
  const auto at = text.rfind('@', end);
  if (at == std::string::npos || at < scheme.size()) return text;
  const auto colon = text.find(':', scheme.size());
  const bool has_user = colon != std::string::npos && colon < at;
  if (has_user && colon + 1 == at) return text;  // redis://user:@host: no password in it
  return text.substr(0, has_user ? colon + 1 : scheme.size()) + "***" + text.substr(at);
}

}  // namespace swath::queue
