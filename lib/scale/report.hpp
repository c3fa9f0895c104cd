// Simulation of every strategy on one trace, with the hindsight optimum, as a table and as JSON.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "scale/simulate.hpp"

namespace swath::scale {

struct SimulationReport {
  std::vector<SimResult> results;  // one per strategy, in strategy_names() order
  std::optional<Optimum> optimum;  // hindsight optimum, when the policy has deadline_seconds
  std::optional<double> deadline_seconds;
  long long tasks = 0;
  double busy_seconds = 0;  // total task time: a floor under every strategy's pod-seconds
};

// UsageError when the policy has only an absolute deadline_at (a trace has no wall clock).
SimulationReport simulate_all(const std::vector<Arrival>& trace, const SimConfig& config);

std::string to_text(const SimulationReport& report);
core::Json to_json(const SimulationReport& report);

}  // namespace swath::scale
