// Which of `swath scale-plan`'s flags apply to which of its modes (plan once, --emit, --watch, --simulate) and
// strategies: a flag that would shape nothing this run makes is refused (UsageError, exit 2), not ignored.
#pragma once

#include <set>
#include <string>

#include "scale/policy.hpp"

namespace swath::scale::k8s {

struct PlanFlags {
  std::set<std::string> given;  // the flags on the command line, by their long name ("--output")
  bool watch = false, apply = false;
  std::string emit, output, plot, simulate;  // --emit's kinds, -o's directory, --plot's file, --simulate's trace
  bool has(const std::string& flag) const { return given.count(flag) > 0; }
};

// One mode per run, and each mode's flags only with it; --plot an .svg; --emit's kinds known.
void check_modes(const PlanFlags& f);
// Once the policy names the strategy: --pending-jobs only for a ScaledJob strategy, the Indexed Job's flags only
// when it is emitted, the Jobs' pod flags not with --watch of a Deployment strategy.
void check_flags_used(const PlanFlags& f, Strategy strategy_in_force);
// The Redis login flags (a password file, --allow-eviction) when the run reads no queue from Redis.
void refuse_redis_login_flags(const PlanFlags& f, bool reads_redis);

}  // namespace swath::scale::k8s
