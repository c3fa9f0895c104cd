// Time limits of running tasks: the runner registers each attempt (attempt_key) with its limit, the loop asks which
// overran.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace swath::worker {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  struct Overdue {
    std::string id;
    std::int64_t limit_ms = 0;
  };

  void start(const std::string& id, std::int64_t limit_ms) {
    std::lock_guard lock(mutex_);
    running_[id] = {Clock::now() + std::chrono::milliseconds(limit_ms), limit_ms};
  }
  void end(const std::string& id) {
    std::lock_guard lock(mutex_);
    running_.erase(id);
    overran_.erase(id);
  }
  // True once overdue() reported the task: its handler should stop (its outcome is dropped anyway).
  bool overran(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return overran_.count(id) > 0;
  }
  // Tasks past their limit, each reported once.
  std::vector<Overdue> overdue() {
    std::lock_guard lock(mutex_);
    std::vector<Overdue> out;
    const auto now = Clock::now();
    for (auto it = running_.begin(); it != running_.end();) {
      if (it->second.deadline > now) {
        ++it;
        continue;
      }
      out.push_back({it->first, it->second.limit_ms});
      overran_.insert(it->first);
      it = running_.erase(it);
    }
    return out;
  }

 private:
  struct Entry {
    Clock::time_point deadline;
    std::int64_t limit_ms = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Entry> running_;
  std::set<std::string> overran_;
};

}  // namespace swath::worker
