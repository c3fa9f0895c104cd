// The queue section declared once: where the queue lives and how it keeps records (--redis, --queue, ...).
#pragma once

#include <cstdint>
#include <string>

#include "config/option_table.hpp"
#include "queue/redis_url.hpp"

namespace swath::queue {

struct Settings {
  std::string redis = "redis://127.0.0.1:6379/0";
  std::string name = "swath";
  std::string password_file;       // the password never goes into the config: this file, or SWATH_REDIS_PASSWORD
  std::int64_t ttl_hours = 168;    // a finished job's records (done bits, dead tasks) stay this long
  std::int64_t dead_max = 100000;  // dead tasks kept per queue (the oldest go first)
  bool allow_eviction = false;
  std::string redis_origin;  // where `redis` was set ("env SWATH_QUEUE__REDIS"), for its error; "": --redis

  // The parsed URL with its password resolved; throws UsageError for a bad URL (naming redis_origin), IoError for
  // an unreadable file.
  RedisEndpoint endpoint() const;
};

const config::OptionTable<Settings>& settings_table();

// The queue section of `config`, with where its URL came from.
Settings settings_from(const config::Config& config);

}  // namespace swath::queue
