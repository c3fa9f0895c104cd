// The --watch loop: snapshot → plan (HPA history kept across iterations) → hysteresis → kubectl.
#include "scale/k8s/controller.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "log/logger.hpp"
#include "scale/k8s/kubectl.hpp"
#include "scale/plan.hpp"

namespace swath::scale::k8s {

namespace {

std::string deployment_name(const WatchOptions& o) { return o.manifests.name + "-worker"; }

std::vector<std::string> kubectl(const WatchOptions& o, std::initializer_list<std::string> args) {
  std::vector<std::string> argv = {o.kubectl, "-n", o.manifests.namespace_name};
  argv.insert(argv.end(), args);
  return argv;
}

CommandResult checked(const std::vector<std::string>& argv, const std::string& stdin_text = {}) {
  auto r = run_command(argv, stdin_text);
  if (r.exit_code != 0) {
    std::string err = r.err;
    while (!err.empty() && std::isspace(static_cast<unsigned char>(err.back()))) err.pop_back();  // its last newline
    throw core::IoError(render_command(argv),
                        "exit code " + std::to_string(r.exit_code) + (err.empty() ? "" : ": " + err),
                        "check the kubectl context and RBAC (get/scale deployments, create/list jobs)");
  }
  return r;
}

struct Current {
  int replicas = 0;  // Deployment replicas, or unfinished worker Jobs
  int pending = 0;   // unfinished Jobs without a ready pod (KEDA's pendingJobCount)
};

// Replicas of the worker Deployment, or — as KEDA counts them for a ScaledJob — unfinished worker Jobs
// (no Complete or Failed condition) and, of those, the ones whose pod is not ready yet.
Current read_current(const WatchOptions& o) {
  if (!creates_jobs(o.policy.strategy)) {
    const auto r = checked(kubectl(o, {"get", "deployment", deployment_name(o), "-o", "jsonpath={.spec.replicas}"}));
    // The whole output, a count: "-2" or "3 4" are not one (stoi read them as -2 and 3).
    std::string text = r.out;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    int replicas = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), replicas);
    if (!text.empty() && (error != std::errc() || end != text.data() + text.size() || replicas < 0)) {
      throw core::DataError("kubectl get deployment " + deployment_name(o), "replicas '" + r.out + "' is not a count",
                            "check what `kubectl get deployment -o jsonpath={.spec.replicas}` prints");
    }
    return {replicas, 0};
  }
  const auto r = checked(kubectl(
      o, {"get", "jobs", "-l", "app.kubernetes.io/instance=" + o.manifests.name + ",app.kubernetes.io/component=worker",
          "-o", "jsonpath={range .items[*]}{.status.conditions[*].type}|{.status.ready}{\"\\n\"}{end}"}));
  std::istringstream in(r.out);
  Current current;
  for (std::string line; std::getline(in, line);) {
    const auto bar = line.find('|');
    if (bar == std::string::npos) continue;
    const std::string conditions = line.substr(0, bar), ready = line.substr(bar + 1);
    if (conditions.find("Complete") != std::string::npos || conditions.find("Failed") != std::string::npos) continue;
    ++current.replicas;
    if (ready.empty() || ready == "0") ++current.pending;
  }
  return current;
}

bool worth_acting(int current, int desired, int hysteresis) {
  if (desired == current) return false;
  if (current == 0 || desired == 0) return true;  // waking up or going to zero is never noise
  return std::abs(desired - current) > hysteresis;
}

// One Job per new unit of work, as KEDA's ScaledJob does; generateName gives each a fresh name. Its workers take
// from the queue the plan was made for: was the manifests' default, "tiles", for a stats file's queue.
std::string job_manifest(const WatchOptions& o, const QueueSnapshot& snapshot) {
  ManifestOptions mo = o.manifests;
  use_plan_queue(mo, o.queue, snapshot.queue);
  mo.parallelism = 1;
  core::Json job = build_manifests({ManifestKind::job}, mo).front().object;
  core::Json meta = core::Json::object();
  meta.set("generateName", mo.name + "-worker-");
  meta.set("namespace", mo.namespace_name);
  meta.set("labels", job.at("metadata").at("labels"));
  meta.set("annotations", job.at("metadata").at("annotations"));
  job.set("metadata", meta);
  return to_yaml(job);
}

// What one iteration saw, decided and ran: its text and its JSON line are both rendered from it.
struct Step {
  QueueSnapshot snapshot;
  int current = 0;
  Plan plan;
  core::Json plan_json;
  bool held = false;  // a change within the hysteresis, not acted on
  std::vector<std::vector<std::string>> commands;
  bool applied = false;  // the commands ran (else a dry run)
};

// A relative deadline_seconds, for a controller: a batch of work gets the whole deadline from when the controller
// first sees it (its start, or the first iteration with unfinished work after one that saw the queue empty), so the
// deadline neither slides with every iteration (the pods would never drain a backlog, only halve it) nor runs out for
// good an hour after the controller started (every later batch would get one pod per task). Work arriving before the
// queue was seen empty shares the earlier work's deadline: a stream that never drains is given deadlines per job
// (enqueue --deadline) or the hpa strategy.
class DeadlineAnchor {
 public:
  explicit DeadlineAnchor(const Policy& policy) : relative_(policy.deadline_seconds) {}
  Policy policy_at(const Policy& policy, const QueueSnapshot& snapshot, double now) {
    if (!relative_) return policy;
    if (!seeing_work_) seen_since_ = now;
    seeing_work_ = snapshot.unfinished > 0;  // drained: the next batch starts its own deadline
    Policy anchored = policy;
    anchored.deadline_at_epoch = seen_since_ + *relative_;
    anchored.deadline_seconds.reset();
    return anchored;
  }

 private:
  std::optional<double> relative_;
  bool seeing_work_ = false;
  double seen_since_ = 0;
};

Step iterate(const SnapshotSource& source, const WatchOptions& o, DeadlineAnchor& anchor, HpaState& hpa, double now) {
  Step step;
  step.snapshot = source();
  const Policy policy = anchor.policy_at(o.policy, step.snapshot, now);  // before kubectl, which may fail this one
  const auto [current, pending] = read_current(o);
  step.current = current;
  PlanInput in{step.snapshot, policy, current, pending, now, &hpa};
  const auto events_before = hpa.events;
  step.plan = make_plan(in);
  step.plan_json = to_json(step.plan, in);
  std::string stdin_text;
  if (creates_jobs(o.policy.strategy)) {
    stdin_text = job_manifest(o, step.snapshot);
    for (long long i = 0; i < step.plan.new_jobs; ++i) step.commands.push_back(kubectl(o, {"create", "-f", "-"}));
  } else if (worth_acting(current, step.plan.desired_replicas, o.policy.hysteresis_replicas) ||
             (step.plan.desired_replicas > current && step.plan.deadline_replicas > current)) {
    // The deadline planner's count is the fewest that meet a deadline: fewer, even by one, miss it (hpa's too).
    step.commands.push_back(kubectl(
        o, {"scale", "deployment/" + deployment_name(o), "--replicas=" + std::to_string(step.plan.desired_replicas)}));
  } else {
    step.held = step.plan.desired_replicas != current;
  }
  if (o.apply) {
    for (const auto& argv : step.commands) {
      // A stop ends the iteration between calls: no new kubectl starts after Ctrl-C/SIGTERM.
      if (core::cancel_requested()) throw core::Interrupted("stopped before '" + render_command(argv) + "'");
      checked(argv, stdin_text);
    }
  }
  step.applied = o.apply;
  // The rate limits count the changes made: a dry run or a held change made none (a dry run would otherwise show
  // "limited by the scale-up rate" where --apply, seeing the pods it added, goes on).
  if (!o.apply || step.commands.empty()) hpa.events = events_before;
  return step;
}

std::string step_text(const Step& step, const WatchOptions& o) {
  std::string text = fmt::format("unfinished {} (backlog {}, in flight {}), replicas {} → {}: {}",
                                 step.snapshot.unfinished, step.snapshot.backlog, step.snapshot.in_flight, step.current,
                                 step.plan.desired_replicas, step.plan.reason);
  if (step.held) text += fmt::format(" (held: within the hysteresis of {})", o.policy.hysteresis_replicas);
  for (const auto& argv : step.commands) {
    text += (step.applied ? "\n  applied: " : "\n  dry-run, would run: ") + render_command(argv);
  }
  for (const auto& w : step.plan.warnings) text += "\n  warning: " + w;
  return text;
}

core::Json iteration_json(long long iteration) {
  return core::Json::Object{{"schema", "swath.scale.watch/1"}, {"iteration", static_cast<std::int64_t>(iteration)}};
}

core::Json step_json(const Step& step, long long iteration) {
  core::Json json = iteration_json(iteration);
  json.set("plan", step.plan_json);
  json.set("held", step.held);
  json.set("applied", step.applied);
  core::Json commands = core::Json::array();
  for (const auto& argv : step.commands) {
    core::Json args = core::Json::array();
    for (const auto& arg : argv) args.push_back(arg);
    commands.push_back(std::move(args));
  }
  json.set("commands", std::move(commands));
  return json;
}

bool sleep_interruptibly(double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (core::cancel_requested()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !core::cancel_requested();
}

double wall_clock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

WatchReport watch(const SnapshotSource& source, const WatchOptions& o,
                  const std::function<void(const std::string&)>& out) {
  const auto logger = log::get("scale");
  WatchReport report;
  HpaState hpa;  // no history yet: its first step counts as activity, so no cooldown is claimed at start
  DeadlineAnchor anchor(o.policy);
  while (o.max_iterations == 0 || report.iterations < o.max_iterations) {
    if (core::cancel_requested()) {
      report.interrupted = true;
      break;
    }
    ++report.iterations;
    const double now = o.clock ? o.clock() : wall_clock();
    try {
      const Step step = iterate(source, o, anchor, hpa, now);
      report.actions += step.commands.empty() ? 0 : 1;
      out(o.json ? step_json(step, report.iterations).dump()
                 : fmt::format("iteration {}: {}", report.iterations, step_text(step, o)));
    } catch (const core::UsageError&) {
      throw;  // a wrong flag or policy does not get better by retrying
    } catch (const core::Interrupted&) {
      report.interrupted = true;  // Ctrl-C while waiting for Redis: a stop, not a failed iteration
      break;
    } catch (const core::Error& e) {
      core::Json failed = iteration_json(report.iterations);
      failed.set("failed", core::describe(e));
      if (report.iterations == 1) {
        if (o.json) out(failed.dump());  // a script reading stdout still gets its line
        throw;                           // misconfiguration fails fast
      }
      ++report.failures;
      // Not seen is not idle: a cooldown counts only the inactivity the controller saw (an outage of Redis or of
      // the stats file ended in 'scaling to zero' once it came back).
      hpa.last_active = now;
      if (o.max_iterations == 0 || report.iterations < o.max_iterations) {
        logger->warn("iteration {} failed, retrying in {}s: {}", report.iterations, o.interval_seconds,
                     core::describe(e));
      }
      out(o.json ? failed.dump() : fmt::format("iteration {}: failed: {}", report.iterations, core::describe(e)));
    }
    if (core::cancel_requested()) {  // a stop during the last iteration is a stop too (exit 130)
      report.interrupted = true;
      break;
    }
    if (o.max_iterations != 0 && report.iterations >= o.max_iterations) break;
    if (!sleep_interruptibly(o.interval_seconds)) {
      report.interrupted = true;
      break;
    }
  }
  return report;
}

}  // namespace swath::scale::k8s
