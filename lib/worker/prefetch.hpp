// How many tasks a worker leases next (pure): what its free slots can start, plus about prefetch_seconds of work.
#pragma once

#include <algorithm>
#include <cstddef>

namespace swath::worker {

struct PoolState {
  std::size_t concurrency = 1;
  std::size_t running = 0;       // tasks started, not finished
  std::size_t queued = 0;        // leased, not started
  double mean_task_seconds = 0;  // measured here; 0 before the first task ends
  std::size_t max_batch = 1000;
  double prefetch_seconds = 0.1;
};

// Long tasks: one per free slot, nothing held back from other workers. Short tasks: enough to keep the slots
// busy for prefetch_seconds, refilled in large batches once half of them ran (few round trips per task).
inline std::size_t tasks_to_lease(const PoolState& s) {
  const std::size_t free = s.concurrency > s.running ? s.concurrency - s.running : 0;
  std::size_t prefetch = 0;
  if (s.mean_task_seconds > 0) {
    const double tasks = s.prefetch_seconds * static_cast<double>(s.concurrency) / s.mean_task_seconds;
    prefetch = static_cast<std::size_t>(std::min(tasks, static_cast<double>(s.max_batch)));
  }
  if (prefetch > 1 && s.queued > prefetch / 2) return 0;
  const std::size_t want = free + prefetch;
  return want > s.queued ? std::min(want - s.queued, s.max_batch) : 0;
}

}  // namespace swath::worker
