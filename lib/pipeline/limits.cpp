// Thread and token arithmetic for the pipeline.
#include <oneapi/tbb/info.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

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

// A quota in CPUs, rounded up; a huge one (10^10 CPUs) is no limit, not an overflow.
std::optional<int> whole_cpus(double cpus) {
  if (!(cpus > 0) || cpus > 1e6) return std::nullopt;
  return std::max(1, static_cast<int>(std::ceil(cpus)));
}

// cgroup v2: "cpu.max" holds "<quota> <period>" or "max <period>".
std::optional<int> v2_limit(const std::string& dir) {
  std::ifstream file(dir + "/cpu.max");
  std::string quota;
  double period = 0;
  if (!(file >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  const double q = std::strtod(quota.c_str(), nullptr);
  if (q <= 0) return std::nullopt;
  return whole_cpus(q / period);
}

// cgroup v1: the cpu controller's CFS quota (-1: none) over its period.
std::optional<int> v1_limit(const std::string& dir) {
  const auto quota = read_number(dir + "/cpu.cfs_quota_us");
  const auto period = read_number(dir + "/cpu.cfs_period_us");
  if (!quota || !period) return std::nullopt;
  return whole_cpus(*quota / *period);
}

// `base` + `path` and each of its parents up to `base` itself.
std::vector<std::string> up_from(const std::string& base, std::string path) {
  std::vector<std::string> dirs;
  while (!path.empty() && path != "/") {
    if (path.find("..") == std::string::npos) dirs.push_back(base + path);
    path = path.substr(0, path.find_last_of('/'));
  }
  dirs.push_back(base);
  return dirs;
}

}  // namespace

std::optional<int> cgroup_cpu_limit(const std::string& root, const std::string& membership) {
  // Where this process's cgroup sits below the mount ("0::/path", v2): without a cgroup namespace (a service's
  // CPUQuota, a container sharing the host's cgroup view) its limit is there, or on a parent. Not so for v1: a runtime
  // without a namespace mounts the container's own cgroup at the root while /proc/self/cgroup names the host's path
  // (below the root, that path could name another cgroup), so v1 is read at the root.
  std::string v2_path;
  std::istringstream lines(membership);
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) v2_path = path;
  }
  std::optional<int> lowest;
  const auto take = [&](std::optional<int> limit) {
    if (limit && (!lowest || *limit < *lowest)) lowest = limit;
  };
  for (const auto& dir : up_from(root, v2_path)) take(v2_limit(dir));
  for (const char* controller : {"/cpu", "/cpu,cpuacct"}) take(v1_limit(root + controller));
  return lowest;
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  // TBB counts the cores the process may run on (its affinity), not a container's CPU limit (a CFS quota): a worker
  // pod limited to 1 CPU on a 64-core node would run 64 threads, throttled, each with its own GDAL handles.
  static const int cores = [] {
    const int available = std::max(1, tbb::info::default_concurrency());
    std::ifstream self("/proc/self/cgroup");
    const std::string membership((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
    const auto limit = cgroup_cpu_limit("/sys/fs/cgroup", membership);
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
