// Which of `swath scale-plan`'s flags apply to which of its modes and strategies (see plan_flags.hpp).
#include "scale/k8s/plan_flags.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "scale/k8s/manifests.hpp"

namespace swath::scale::k8s {

void check_modes(const PlanFlags& f) {
  if (f.apply && !f.watch) throw core::UsageError("--apply", "only applies with --watch", "add --watch");
  if (!f.plot.empty() && f.simulate.empty())
    throw core::UsageError("--plot", "only applies with --simulate", "add --simulate TRACE.csv");
  if (!f.plot.empty() && core::to_lower(std::filesystem::path(f.plot).extension().string()) != ".svg") {
    throw core::UsageError(
        "--plot '" + f.plot + "'", "the plot is an SVG: under another name its bytes would be mislabelled",
        "give it a .svg name, e.g. " + std::filesystem::path(f.plot).replace_extension(".svg").string());
  }
  if (!f.emit.empty() && f.output.empty()) throw core::UsageError("--emit", "needs -o DIR", "e.g. --emit all -o k8s/");
  if (!f.emit.empty()) parse_manifest_kinds(f.emit);
  // One mode per run; a flag of another mode would be ignored.
  if (!f.simulate.empty() && (f.watch || !f.emit.empty()))
    throw core::UsageError("--simulate", "replays a trace offline, it neither watches nor emits",
                           "run --simulate alone");
  if (f.watch && !f.emit.empty())
    throw core::UsageError("--emit with --watch", "--emit writes manifests once; --watch runs the controller",
                           "run them as two commands");
  for (const char* flag : {"--max-iterations", "--interval"}) {
    if (f.has(flag) && !f.watch) throw core::UsageError(flag, "only applies with --watch", "add --watch");
  }
  for (const char* flag : {"--current-replicas", "--pending-jobs", "--now"}) {
    if (f.has(flag) && (f.watch || !f.simulate.empty())) {
      throw core::UsageError(
          flag,
          f.watch ? "--watch reads the replicas and jobs from kubectl and plans as of now"
                  : "--simulate replays its trace with a simulated fleet and clock",
          "leave " + std::string(flag) + " out, or plan once without " + (f.watch ? "--watch" : "--simulate"));
    }
  }
  // The simulator replays its trace against every strategy with a simulated fleet: it reads no queue, runs no
  // kubectl, and takes measured task times from --stats only.
  for (const char* flag : {"--redis", "--queue", "--strategy"}) {
    if (f.has(flag) && !f.simulate.empty()) {
      throw core::UsageError(flag,
                             std::string("--simulate replays its trace offline against every strategy") +
                                 (std::string(flag) == "--strategy" ? "" : ", reading no queue"),
                             std::string("leave ") + flag + " out (--stats FILE gives --simulate measured task times)");
    }
  }
  if (f.has("--kubectl") && !f.watch)
    throw core::UsageError("--kubectl", "only applies with --watch (the controller runs kubectl)", "add --watch");
  if (f.has("--seed") && f.simulate.empty())
    throw core::UsageError("--seed", "only applies with --simulate", "add --simulate TRACE.csv");
  if (f.has("--output") && f.emit.empty())
    throw core::UsageError("-o", "is the directory of --emit", "add --emit KIND, or leave -o out");
  for (const char* flag : {"--image", "--image-digest", "--shards", "--redis-in-cluster", "--data-claim",
                           "--redis-password-secret", "--scene", "--name", "--namespace"}) {
    if (f.has(flag) && f.emit.empty() && !f.watch) {
      throw core::UsageError(flag, "shapes the manifests of --emit (and the Jobs --watch creates)",
                             "add --emit KIND -o DIR");
    }
  }
}

void refuse_redis_login_flags(const PlanFlags& f, bool reads_redis) {
  for (const char* flag : {"--redis-password-file", "--allow-eviction"}) {
    if (f.has(flag) && !reads_redis)
      throw core::UsageError(flag, "only applies to reading a queue from Redis (--redis)", "leave it out");
  }
}

void check_flags_used(const PlanFlags& f, Strategy strategy_in_force) {
  const bool jobs = creates_jobs(strategy_in_force);
  const std::string strategy(strategy_name(strategy_in_force));
  if (f.has("--pending-jobs") && !jobs) {
    throw core::UsageError("--pending-jobs", "counts a ScaledJob strategy's jobs; " + strategy + " scales a Deployment",
                           "leave it out, or plan with a scaledjob-* strategy");
  }
  bool indexed = false;
  if (!f.emit.empty()) {
    for (const auto kind : parse_manifest_kinds(f.emit)) indexed = indexed || kind == ManifestKind::indexed_job;
  }
  for (const char* flag : {"--scene", "--shards"}) {
    if (f.has(flag) && !indexed) {
      throw core::UsageError(flag, "shapes the Indexed Job only (`swath tile --shard` pods)",
                             "add --emit indexed-job (or all), or leave it out");
    }
  }
  // With a Deployment strategy --watch makes no object: it scales the Deployment --name and --namespace name.
  for (const char* flag :
       {"--image", "--image-digest", "--redis-in-cluster", "--data-claim", "--redis-password-secret"}) {
    if (f.has(flag) && f.watch && !jobs) {
      throw core::UsageError(flag,
                             "--watch with " + strategy + " only scales the Deployment, whose pods it does not make",
                             "leave it out (it is the Deployment's), or --emit deployment with it");
    }
  }
}

}  // namespace swath::scale::k8s
