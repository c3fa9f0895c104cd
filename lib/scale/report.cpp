// Runs each strategy on the same trace and task times, then the hindsight search, and tabulates them.
#include "scale/report.hpp"

#include <cmath>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "provenance/provenance.hpp"

namespace swath::scale {

SimulationReport simulate_all(const std::vector<Arrival>& trace, const SimConfig& config) {
  if (config.policy.deadline_at_epoch && !config.policy.deadline_seconds) {
    throw core::UsageError("deadline_at: the simulator needs a relative deadline_seconds",
                           "a trace counts seconds from its start, not a UTC time",
                           "give deadline_seconds in the policy for --simulate");
  }
  SimulationReport report;
  report.deadline_seconds = config.policy.deadline_seconds;
  for (const auto& name : strategy_names()) {
    report.results.push_back(simulate(trace, parse_strategy(name, "strategy"), config));
  }
  report.tasks = report.results.empty() ? 0 : report.results.front().tasks;
  report.busy_seconds = report.results.empty() ? 0 : report.results.front().busy_seconds;
  report.optimum = hindsight_optimum(trace, config);
  return report;
}

namespace {

std::string row(const SimResult& r, const std::optional<Optimum>& best, const std::string& note = {}) {
  const std::string ratio = best ? fmt::format("{:.3f}", r.pod_seconds / best->result.pod_seconds) : "-";
  return fmt::format("{:<20} {:>9} {:>9} {:>8} {:>11.0f} {:>9.4f} {:>6} {:>9}{}\n", r.strategy,
                     r.finished ? fmt::format("{:.0f}", r.completion_seconds) : std::string("never"),
                     r.deadline_misses == 0 ? "yes" : "NO", r.deadline_misses, r.pod_seconds, r.cost, r.peak_replicas,
                     ratio, note);
}

core::Json result_json(const SimResult& r) {
  core::Json j = core::Json::object();
  j.set("strategy", r.strategy);
  j.set("finished", r.finished);
  j.set("completion_seconds", r.completion_seconds);
  j.set("deadline_misses", r.deadline_misses);
  j.set("pod_seconds", r.pod_seconds);
  j.set("cost", r.cost);
  j.set("peak_replicas", r.peak_replicas);
  return j;
}

}  // namespace

std::string to_text(const SimulationReport& report) {
  std::string out = fmt::format("{} tasks ({:.0f} task-seconds), deadline {}\n", report.tasks, report.busy_seconds,
                                report.deadline_seconds ? fmt::format("{:.0f}s", *report.deadline_seconds) : "none");
  out += fmt::format("{:<20} {:>9} {:>9} {:>8} {:>11} {:>9} {:>6} {:>9}\n", "strategy", "done_s", "deadline", "late",
                     "pod_seconds", "cost", "peak", "vs_opt");
  for (const auto& r : report.results) out += row(r, report.optimum);
  if (report.optimum) {
    out += row(report.optimum->result, report.optimum,
               fmt::format("  ({} pods from t={:.0f}s)", report.optimum->replicas, report.optimum->start_seconds));
  } else if (report.deadline_seconds) {
    out += "hindsight-optimum: no schedule in the search meets the deadline\n";
  }
  return out;
}

core::Json to_json(const SimulationReport& report) {
  core::Json j = core::Json::object();
  j.set("schema", "swath.scale.simulation/1");
  j.set("tasks", report.tasks);
  j.set("task_seconds_total", report.busy_seconds);
  j.set("deadline_seconds", report.deadline_seconds ? core::Json(*report.deadline_seconds) : core::Json());
  core::Json results = core::Json::array();
  for (const auto& r : report.results) results.push_back(result_json(r));
  j.set("strategies", results);
  if (report.optimum) {
    core::Json best = result_json(report.optimum->result);
    best.set("replicas", report.optimum->replicas);
    best.set("start_seconds", report.optimum->start_seconds);
    j.set("hindsight_optimum", best);
  } else {
    j.set("hindsight_optimum", core::Json());
  }
  core::Json options = core::Json::object();
  options.set("tasks", report.tasks);
  options.set("strategies", results);
  j.set("provenance", provenance::provenance_json(provenance::hash_options(options)));
  return j;
}

}  // namespace swath::scale
