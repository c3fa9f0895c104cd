// Strict CSV reading of arrival traces: every line is checked and errors name the line.
#include "scale/trace.hpp"

#include <cmath>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"

namespace swath::scale {

namespace {

constexpr long long kMaxTasks = 10'000'000;  // ~80 MB of task times, seconds of simulation per strategy
// The simulator steps through time at the policy's polling interval: 1e7 s (16 weeks) takes about a second,
// 1e300 would never end.
constexpr double kMaxSeconds = 1e7;

}  // namespace

std::vector<Arrival> parse_trace(std::string_view text, const std::string& name) {
  std::vector<Arrival> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  double total = 0;
  bool first = true;         // the first non-comment line may be a header such as `time,tasks`
  bool tasks_first = false;  // a `tasks,time` header: the columns the other way round
  const std::string hint = "a trace is CSV lines `time,tasks`: seconds from the start (sorted, >= 0) and a task count";
  while (std::getline(in, line)) {
    ++number;
    const std::string where = name + ":" + std::to_string(number);
    const std::string content = core::trim(line.substr(0, line.find('#')), " \t\r");
    if (content.empty()) continue;
    const auto comma = content.find(',');
    if (comma == std::string::npos) throw core::UsageError(where, "expected `time,tasks`, got '" + content + "'", hint);
    std::string time_text = core::trim(std::string_view(content).substr(0, comma), " \t\r");
    std::string tasks_text = core::trim(std::string_view(content).substr(comma + 1), " \t\r");
    if (tasks_first) std::swap(time_text, tasks_text);
    const bool was_first = std::exchange(first, false);
    const auto time_value = core::parse_double(time_text);
    const auto tasks_value = core::parse_double(tasks_text);
    if (!time_value || !tasks_value) {
      if (was_first && !time_value && !tasks_value) {  // a header: `time,tasks`, or `tasks,time` read as it says
        const std::string a = core::to_lower(time_text), b = core::to_lower(tasks_text);
        if (a == "tasks" && b == "time") {
          tasks_first = true;
        } else if (a != "time" || b != "tasks") {
          throw core::UsageError(where, "header '" + content + "' names no `time` and `tasks` columns", hint);
        }
        continue;
      }
      throw core::UsageError(where, "'" + content + "' is not two numbers", hint);
    }
    const double time = *time_value, tasks = *tasks_value;
    if (time < 0) throw core::UsageError(where, "negative time " + time_text, hint);
    if (time > kMaxSeconds) {
      throw core::UsageError(where,
                             fmt::format("time {} is past the simulator's {:.0f} s (16 weeks)", time_text, kMaxSeconds),
                             "times are seconds from the trace's start, not epoch times");
    }
    if (tasks < 0 || std::nearbyint(tasks) != tasks) {
      throw core::UsageError(where, "task count " + tasks_text + " is not a whole number >= 0", hint);
    }
    if (!out.empty() && time < out.back().time) {
      throw core::UsageError(where, "time " + time_text + " is before the previous line's time (times must be sorted)",
                             hint);
    }
    total += tasks;
    if (total > kMaxTasks) {
      throw core::UsageError(where, fmt::format("{:.0f} tasks in all: more than the simulator's {}", total, kMaxTasks),
                             "it replays every task; scale the trace down, e.g. one task per 100 real ones");
    }
    out.push_back({time, static_cast<long long>(tasks)});
  }
  if (out.empty() || total == 0) throw core::UsageError(name, "the trace has no arrivals", hint);  // 0 tasks: NaNs
  return out;
}

std::vector<Arrival> load_trace(const std::string& path) { return parse_trace(core::read_file(path), path); }

}  // namespace swath::scale
