// Replays an arrival trace against a strategy, second by second: pods start after the start-up latency,
// take tasks one at a time, and cost pod-seconds from the moment they are asked for until they are gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scale/policy.hpp"
#include "scale/trace.hpp"

namespace swath::scale {

struct SimConfig {
  Policy policy;            // bounds, targets, rate limits, start-up latency, deadline_seconds
  double task_p50 = 2;      // true task times: log-normal with this median ...
  double task_p95 = 4;      // ... and this 95th percentile (also what the deadline strategy plans with)
  std::uint64_t seed = 42;  // same task times for every strategy
};

struct SimSample {
  double time;
  long long backlog;
  int replicas;
};

struct SimResult {
  std::string strategy;
  bool finished = false;  // every task done within the horizon
  long long tasks = 0;
  double busy_seconds = 0;        // sum of task times: no schedule pays fewer pod-seconds than this
  double completion_seconds = 0;  // when the last task finished
  long long deadline_misses = 0;  // tasks finished after the deadline
  double pod_seconds = 0;
  double cost = 0;
  int peak_replicas = 0;
  std::vector<SimSample> samples;  // one per polling interval
};

SimResult simulate(const std::vector<Arrival>& trace, Strategy strategy, const SimConfig& config);

// The hindsight family: `replicas` pods whenever work is waiting, from `start_seconds` on, with the true
// task times known. The optimum is the cheapest of these that meets the deadline.
SimResult simulate_oracle(const std::vector<Arrival>& trace, int replicas, double start_seconds,
                          const SimConfig& config);

struct Optimum {
  SimResult result;
  int replicas = 0;
  double start_seconds = 0;
};
// Searches replicas 1..max and start times 0, poll, 2·poll, ... up to the deadline; nothing when no
// member meets the deadline (or the policy has no deadline_seconds).
std::optional<Optimum> hindsight_optimum(const std::vector<Arrival>& trace, const SimConfig& config);

// One SVG: per strategy, backlog and replicas over time, with the deadline marked.
std::string plot_svg(const std::vector<SimResult>& results, std::optional<double> deadline_seconds);

}  // namespace swath::scale
