// `scale-plan --watch`: a small controller that re-plans every interval and applies the plan with kubectl,
// with hysteresis so it does not flap. Dry-run (print the kubectl commands) unless `apply` is set.
#pragma once

#include <functional>
#include <string>

#include "scale/k8s/manifests.hpp"
#include "scale/policy.hpp"
#include "scale/snapshot.hpp"

namespace swath::scale::k8s {

struct WatchOptions {
  Policy policy;
  ManifestOptions manifests;  // names the Deployment / builds the Jobs
  std::string queue;          // the Jobs' queue (--queue); empty: the snapshot's, as the plan's
  std::string kubectl = "kubectl";
  bool apply = false;
  long long max_iterations = 0;  // 0: until SIGINT/SIGTERM
  bool json = false;             // one JSON object per iteration (swath.scale.watch/1) instead of text
  double interval_seconds = 30;
  std::function<double()> clock;  // epoch seconds; the wall clock when empty
};

struct WatchReport {
  long long iterations = 0;
  long long actions = 0;   // kubectl changes made (or, in dry-run, that would have been made)
  long long failures = 0;  // iterations that could not read the queue or the cluster
  bool interrupted = false;
};

// `out` receives one line per iteration (the command prints them): text, or with `json` an object {"schema":
// "swath.scale.watch/1", "iteration", "plan" (swath.scale.plan/1), "held", "commands" (argv arrays), "applied"} or,
// for an iteration that failed, {"schema", "iteration", "failed": "..."}. The first iteration's errors are thrown
// (misconfiguration fails fast); later ones are logged, counted and retried next interval.
WatchReport watch(const SnapshotSource& source, const WatchOptions& options,
                  const std::function<void(const std::string&)>& out);

}  // namespace swath::scale::k8s
