// Thread and token arithmetic for the pipeline.
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "pipeline/ordered_pipeline.hpp"

namespace swath::pipeline {

namespace {

// The first number in `path`'s text, or nullopt (no file, "max", "-1").
std::optional<double> read_number(const std::string& path) {
  std::ifstream file(path);
  double value = 0;
  if (!(file >> value) || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<int> cgroup_cpu_limit(const std::string& root) {
  // cgroup v2: "cpu.max" holds "<quota> <period>" or "max <period>".
  {
    std::ifstream file(root + "/cpu.max");
    std::string quota;
    double period = 0;
    if (file >> quota >> period) {
      if (quota == "max" || period <= 0) return std::nullopt;
      const double q = std::strtod(quota.c_str(), nullptr);
      if (q > 0) return std::max(1, static_cast<int>(std::ceil(q / period)));
      return std::nullopt;
    }
  }
  // cgroup v1: the cpu controller's CFS quota (-1: none) over its period.
  for (const char* dir : {"/cpu", "/cpu,cpuacct"}) {
    const auto quota = read_number(root + dir + "/cpu.cfs_quota_us");
    const auto period = read_number(root + dir + "/cpu.cfs_period_us");
    if (quota && period) return std::max(1, static_cast<int>(std::ceil(*quota / *period)));
  }
  return std::nullopt;
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  // TBB counts the cores the process may run on (its affinity), not a container's CPU limit (a CFS quota): a worker
  // pod limited to 1 CPU on a 64-core node would run 64 threads, throttled, each with its own GDAL handles.
  static const int cores = [] {
    const int available = std::max(1, tbb::info::default_concurrency());
    const auto limit = cgroup_cpu_limit("/sys/fs/cgroup");
    return limit ? std::min(available, *limit) : available;
  }();
  return cores;
}

std::size_t tokens_for_memory(std::size_t memory_budget, std::size_t bytes_per_item, int threads) {
  const auto per_item = std::max<std::size_t>(bytes_per_item, 1);
  const auto max_tokens = static_cast<std::size_t>(4 * resolve_threads(threads));
  return std::clamp<std::size_t>(memory_budget / per_item, 1, max_tokens);
}

}  // namespace swath::pipeline
