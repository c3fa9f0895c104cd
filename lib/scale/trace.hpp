// Arrival traces for the simulator: CSV lines `time,tasks` (seconds from the start, tasks arriving then).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swath::scale {

struct Arrival {
  double time = 0;
  long long tasks = 0;
};

// Header line and `#` comments allowed. UsageError naming `name:line` for negative or unsorted times,
// negative task counts, malformed lines and more than 10 million tasks in all (exit 2).
std::vector<Arrival> parse_trace(std::string_view text, const std::string& name);
std::vector<Arrival> load_trace(const std::string& path);

}  // namespace swath::scale
