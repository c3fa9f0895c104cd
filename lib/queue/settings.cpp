// The queue section: its keys, flags and the defaults of queue::Settings.
#include "queue/settings.hpp"

namespace swath::queue {

RedisEndpoint Settings::endpoint() const {
  auto endpoint = redis_origin.empty() ? parse_redis_url(redis) : parse_redis_url(redis, redis_origin);
  resolve_password(endpoint, password_file);
  return endpoint;
}

const config::OptionTable<Settings>& settings_table() {
  static const auto table =
      config::OptionTable<Settings>("queue")
          .text(
              {"redis", "--redis",
               "Redis URL: redis://host:port/db, redis://USER:@host:port/db for an ACL user, or "
               "unix:///path.sock?db=N (password via SWATH_REDIS_PASSWORD or --redis-password-file)"},
              [](Settings & s) -> auto& { return s.redis; })
          .text(
              {"name", "--queue", "queue name; every key is swath:{NAME}:..."},
              [](Settings & s) -> auto& { return s.name; })
          .text(
              {"password_file", "--redis-password-file", "file holding the Redis password (else SWATH_REDIS_PASSWORD)"},
              [](Settings & s) -> auto& { return s.password_file; })
          .integer(
              {"ttl_hours", "",
               "hours a finished job's records (done bits, dead tasks) stay in Redis (set at enqueue)"},
              1, 24 * 365, [](Settings & s) -> auto& { return s.ttl_hours; })
          .integer(
              {"dead_max", "", "dead tasks kept per queue, with their reasons (the oldest go first; set at enqueue)"},
              1, 100000000, [](Settings & s) -> auto& { return s.dead_max; })
          .boolean(
              {"allow_eviction", "--allow-eviction",
               "use a Redis whose maxmemory-policy may evict keys (refused otherwise: queued tasks can vanish)"},
              [](Settings & s) -> auto& { return s.allow_eviction; });
  return table;
}

Settings settings_from(const config::Config& config) {
  Settings settings = settings_table().apply(config);
  settings.redis_origin = config.entry("queue.redis").origin.describe();
  return settings;
}

}  // namespace swath::queue
