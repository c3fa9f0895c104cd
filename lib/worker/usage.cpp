// getrusage: RUSAGE_THREAD for the task's CPU time (tasks run one per thread), RUSAGE_SELF for peak RSS.
#include "worker/usage.hpp"

#include <sys/resource.h>

namespace swath::worker {

namespace {

double thread_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

ResourceMeter::ResourceMeter() : start_(std::chrono::steady_clock::now()), cpu_start_(thread_cpu_seconds()) {}

double ResourceMeter::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double ResourceMeter::cpu_seconds() const { return thread_cpu_seconds() - cpu_start_; }

std::int64_t ResourceMeter::peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace swath::worker
