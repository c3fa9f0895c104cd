// Where Redis is and how to log in: redis://[user:password@]host:port/db or unix:///path.sock?db=N.
#pragma once

#include <string>

namespace swath::queue {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  // set for unix:// URLs; host/port unused then
  int db = 0;
  std::string user;
  std::string password;  // never logged: use describe()
  // Where the password came from ("url", "env SWATH_REDIS_PASSWORD", "file PATH"), for messages.
  std::string password_source;

  // The address without credentials: "redis://127.0.0.1:6379/0" or "unix:///run/redis.sock?db=0".
  std::string describe() const;
};

// Parses a URL; throws UsageError on anything malformed (the message never contains the password).
RedisEndpoint parse_redis_url(const std::string& url);
// The same, for a value from a config file, the environment or another flag: the error names `origin` ("env
// SWATH_QUEUE__REDIS", "file swath.yaml:3", "--redis-in-cluster") rather than --redis.
RedisEndpoint parse_redis_url(const std::string& url, const std::string& origin);

// The password when the URL has none: the file's content (trailing newline stripped) when `password_file`
// is given, else $SWATH_REDIS_PASSWORD or $REDIS_PASSWORD from `environment`. Throws IoError for an unreadable file.
void resolve_password(RedisEndpoint& endpoint, const std::string& password_file);

// `text` with the password of a redis:// URL written as *** (redis://alice:***@h, redis://***@h for a lone
// token, which is the password); any other text as it is. For showing a setting (config show).
std::string redacted_url(const std::string& text);

}  // namespace swath::queue
