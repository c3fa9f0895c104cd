// Flags shared by enqueue, worker and queue: where Redis is, which queue, where the password comes from.
#pragma once

#include "cli/command.hpp"
#include "queue/redis_url.hpp"

namespace swath::commands {

inline void declare_queue_flags(CLI::App& app, cli::ConfigFlags& flags) {
  flags.bind(app, "--redis", "queue.redis", "Redis URL (password via SWATH_REDIS_PASSWORD or --redis-password-file)");
  flags.bind(app, "--queue", "queue.name", "Queue name");
  flags.bind(app, "--redis-password-file", "queue.password_file", "Read the Redis password from this file");
  flags.bind_switch(app, "--allow-eviction", "queue.allow_eviction",
                    "Use a Redis whose maxmemory-policy may evict keys (refused otherwise: tasks would vanish)");
}

inline queue::RedisEndpoint endpoint_for(const std::string& url, const std::string& password_file) {
  auto endpoint = queue::parse_redis_url(url);
  queue::resolve_password(endpoint, password_file);
  return endpoint;
}

inline queue::RedisEndpoint endpoint_from(const config::Config& config) {
  return endpoint_for(config.get_string("queue.redis"), config.get_string("queue.password_file"));
}

}  // namespace swath::commands
