// The queue section: its keys, flags and the defaults of queue::Settings.
#include "queue/settings.hpp"

namespace swath::queue {

RedisEndpoint Settings::endpoint() const {
  auto endpoint = parse_redis_url(redis);
  resolve_password(endpoint, password_file);
  return endpoint;
}

const config::OptionTable<Settings>& settings_table() {
  static const auto table =
      config::OptionTable<Settings>("queue")
          .parsed(
              {"redis", "--redis",
               "Redis URL: redis://[user@]host:port/db or unix:///path.sock?db=N (password via "
               "SWATH_REDIS_PASSWORD or --redis-password-file)"},
              config::Type::string, [](Settings & s) -> auto& { return s.redis; },
              [](const std::string& url) { return url; },
              [](const config::Entry& e) {
                const auto& url = std::get<std::string>(e.value);
                (void)parse_redis_url(url, e.origin.describe());  // checked here, where its origin is known
                return url;
              })
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

}  // namespace swath::queue
