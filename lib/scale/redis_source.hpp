// Queue snapshots read from Redis. Until the queue library is merged this only proves Redis is reachable;
// the lead wires `redis_source` to the queue library's stats function (same swath.queue.stats/1 fields).
#pragma once

#include <string>

#include "scale/snapshot.hpp"

namespace swath::scale {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
};

// redis://host[:port][/db] → address; UsageError naming the URL when malformed.
RedisAddress parse_redis_url(const std::string& url);

// Connects (hiredis, with a timeout) and PINGs; IoError "Redis unreachable" naming the URL and the reason.
void check_redis_reachable(const std::string& url, double timeout_seconds = 2.0);

// The snapshot source for --redis URL --queue NAME.
SnapshotSource redis_source(const std::string& url, const std::string& queue);

}  // namespace swath::scale
