// The Redis host and port named by a URL, for the manifests scale-plan emits (KEDA triggers, worker flags).
#pragma once

#include <string>

namespace swath::scale {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
};

// redis://[user:password@]host[:port][/db] → address; UsageError naming the URL when malformed.
RedisAddress parse_redis_url(const std::string& url);

}  // namespace swath::scale
