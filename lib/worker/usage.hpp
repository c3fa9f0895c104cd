// What one task cost: wall time, this thread's CPU time, the process' peak RSS.
#pragma once

#include <chrono>
#include <cstdint>

namespace swath::worker {

class ResourceMeter {
 public:
  ResourceMeter();  // starts measuring
  double seconds() const;
  double cpu_seconds() const;  // of the calling thread since construction (run it in the same thread)
  static std::int64_t peak_rss_bytes();

 private:
  std::chrono::steady_clock::time_point start_;
  double cpu_start_;
};

}  // namespace swath::worker
