// Flag combinations checked once, with messages naming the flags.
#include "scale/request.hpp"

#include <chrono>

#include "core/errors.hpp"

namespace swath::scale {

const config::OptionTable<Settings>& settings_table() {
  using config::Entry;
  static const auto table =
      config::OptionTable<Settings>("scale")
          .text(
              {"policy", "--policy",
               "scaling policy YAML (empty: built-in defaults, the same as configs/scaling.yaml)"},
              [](Settings & s) -> auto& { return s.policy; })
          .parsed(
              {"strategy", "--strategy",
               "override the policy's strategy: hpa, scaledjob-default, scaledjob-accurate, scaledjob-eager, deadline"},
              config::Type::string, [](Settings & s) -> auto& { return s.strategy; },
              [](const std::optional<Strategy>& s) { return s ? std::string(strategy_name(*s)) : std::string(); },
              [](const Entry& e) -> std::optional<Strategy> {
                const auto& text = std::get<std::string>(e.value);
                if (text.empty()) return std::nullopt;
                return parse_strategy(text, e.origin.describe());
              })
          .text(
              {"kubectl", "--kubectl", "kubectl program used by scale-plan --watch"},
              [](Settings & s) -> auto& { return s.kubectl; });
  return table;
}

Policy resolve_policy(const Settings& settings) {
  Policy policy = settings.policy.empty() ? Policy{} : load_policy(settings.policy);
  if (settings.strategy) policy.strategy = *settings.strategy;
  return policy;
}

SnapshotSource resolve_source(const std::string& stats_file, const std::string& redis_url, const std::string& queue,
                              RedisStatsReader reader, const RedisUrlCheck& check_url) {
  const std::string hint = "give --stats FILE (from `swath queue stats --json`) or --redis URL --queue NAME";
  if (!stats_file.empty() && !redis_url.empty())
    throw core::UsageError("--stats and --redis", "are mutually exclusive", hint);
  if (!stats_file.empty()) return stats_file_source(stats_file);
  if (redis_url.empty()) throw core::UsageError("no queue to plan for", "neither --stats nor --redis was given", hint);
  if (queue.empty()) throw core::UsageError("--redis", "needs --queue NAME", hint);
  if (check_url) check_url(redis_url);  // a malformed URL is a usage error before any connection attempt
  return [reader, redis_url, queue] {
    auto snapshot = snapshot_from_json(reader(redis_url, queue), redis_url + " queue " + queue);
    snapshot.live = true;
    return snapshot;
  };
}

int resolve_current_replicas(int current_flag, long long live_workers, long long pending_jobs, Strategy strategy) {
  const bool jobs = creates_jobs(strategy);
  if (current_flag >= 0) {
    if (jobs && pending_jobs > current_flag) {
      throw core::UsageError("--pending-jobs " + std::to_string(pending_jobs),
                             "more than --current-replicas " + std::to_string(current_flag) +
                                 ", which counts the unfinished jobs, pending ones included (as KEDA counts them)",
                             "give --current-replicas as running plus pending jobs, or leave it out (the stats' live "
                             "workers plus --pending-jobs)");
    }
    return current_flag;
  }
  // Was: the live workers alone, so default and accurate planned the pending jobs again and eager planned none.
  return static_cast<int>(live_workers + (jobs ? pending_jobs : 0));
}

double resolve_now(const std::string& text) {
  if (text.empty()) return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (const auto t = parse_utc_timestamp(text)) return *t;
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    // Between 1970 and 9999: nan, inf, 1e20 and -5 planned nonsense ("the deadline passed infs ago").
    if (used == text.size() && v >= 0 && v < 253402300800.0) return v;
  } catch (const std::exception&) {}
  throw core::UsageError("--now '" + text + "'", "not a UTC timestamp or epoch seconds (1970 to 9999)",
                         "e.g. 2026-11-25T18:00:00Z or 1795629600");
}

}  // namespace swath::scale
