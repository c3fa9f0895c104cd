// What `swath scale-plan` was asked, resolved into library inputs: the policy, the snapshot source, "now".
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/json.hpp"

#include "scale/policy.hpp"
#include "scale/snapshot.hpp"

namespace swath::scale {

// The scale section: the policy file, a strategy overriding the policy's, the kubectl program.
struct Settings {
  std::string policy;                // empty: built-in defaults (the same as configs/scaling.yaml)
  std::optional<Strategy> strategy;  // overrides the policy's when set
  std::string kubectl = "kubectl";
};
const config::OptionTable<Settings>& settings_table();

// The policy file (or built-in defaults when none is named), with the strategy overridden when given.
Policy resolve_policy(const Settings& settings);

// Reads the swath.queue.stats/1 object of `queue` from Redis at `url` (the queue library's
// queue::fetch_stats_json); IoError when Redis is unreachable.
using RedisStatsReader = std::function<core::Json(const std::string& url, const std::string& queue)>;
// Checks a Redis URL's form (the queue library's queue::parse_redis_url); UsageError when malformed.
using RedisUrlCheck = std::function<void(const std::string& url)>;

// Exactly one of --stats FILE or --redis URL (with --queue NAME); UsageError otherwise. --redis reads through
// `reader`, after `check_url` (when given) refused a malformed URL before any connection attempt. Scale does not
// depend on the queue library: the command passes both in.
SnapshotSource resolve_source(const std::string& stats_file, const std::string& redis_url, const std::string& queue,
                              RedisStatsReader reader, const RedisUrlCheck& check_url = {});

// --now: RFC 3339 UTC or epoch seconds; the wall clock when empty.
double resolve_now(const std::string& text);

// The replicas running now: --current-replicas when given (-1: not), else the stats' live workers. For a ScaledJob
// strategy it counts unfinished jobs, pending ones included (as KEDA and --watch count them): the live workers are
// only those whose pod runs, so --pending-jobs is added to them; a --current-replicas below --pending-jobs is
// refused (UsageError).
int resolve_current_replicas(int current_flag, long long live_workers, long long pending_jobs, Strategy strategy);

}  // namespace swath::scale
