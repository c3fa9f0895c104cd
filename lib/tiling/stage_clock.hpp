// Seconds spent in a stage of a tile run, wall and CPU, added up from many threads at once (the --json "stages").
#pragma once

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace swath::tiling {

// A point in time on the steady clock and on this thread's CPU clock (CPU time does not move with the load of
// the machine, so it shows a stage's own cost even on a busy one; wall minus CPU is its waiting).
struct StagePoint {
  std::int64_t wall_ns = 0;
  std::int64_t cpu_ns = 0;
  static StagePoint now() {
    timespec cpu{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    const auto wall = std::chrono::steady_clock::now().time_since_epoch();
    return {std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count(),
            static_cast<std::int64_t>(cpu.tv_sec) * 1000000000 + cpu.tv_nsec};
  }
};

// Two clock reads per timed stage and tile: far below the stages' own cost, so it is always on.
class StageClock {
 public:
  void add(const StagePoint& from, const StagePoint& to) {
    wall_ns_.fetch_add(to.wall_ns - from.wall_ns, std::memory_order_relaxed);
    cpu_ns_.fetch_add(to.cpu_ns - from.cpu_ns, std::memory_order_relaxed);
  }
  double wall_seconds() const { return static_cast<double>(wall_ns_.load(std::memory_order_relaxed)) / 1e9; }
  double cpu_seconds() const { return static_cast<double>(cpu_ns_.load(std::memory_order_relaxed)) / 1e9; }

 private:
  std::atomic<std::int64_t> wall_ns_{0};
  std::atomic<std::int64_t> cpu_ns_{0};
};

// Adds the time from its construction to its end to `clock`.
class Timed {
 public:
  explicit Timed(StageClock& clock) : clock_(clock), start_(StagePoint::now()) {}
  ~Timed() { clock_.add(start_, StagePoint::now()); }
  Timed(const Timed&) = delete;
  Timed& operator=(const Timed&) = delete;

 private:
  StageClock& clock_;
  StagePoint start_;
};

}  // namespace swath::tiling
