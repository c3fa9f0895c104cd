// Queue statistics: the shared contract swath.queue.stats/1 (read by `swath queue stats` and scale-plan)
// and its Prometheus text exposition.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "queue/client.hpp"
#include "queue/redis_url.hpp"

namespace swath::queue {

struct QueueStats {
  std::string queue;
  std::int64_t depth = 0;  // waiting, all priorities (ready list + low list)
  std::int64_t high = 0, normal = 0, low = 0;
  std::int64_t in_flight = 0, delayed = 0, dead = 0, done = 0;
  std::int64_t backlog = 0;    // LLEN swath:{NAME}:ready: tasks waiting to be leased
  std::int64_t finishing = 0;  // committed, files not yet moved into place
  std::int64_t unfinished =
      0;  // LLEN swath:{NAME}:unfinished: waiting + running + retrying + finishing (KEDA's signal)
  std::int64_t workers = 0;
  double throughput_per_second = 0;
  double p50 = 0, p95 = 0;
  std::int64_t task_count = 0;  // tasks finished in the window
  std::int64_t window_seconds = 300;
  bool exists = true;     // false: nothing was ever enqueued on this queue (a misspelt name reads all zeros)
  std::int64_t jobs = 0;  // jobs the queue lists (until their records expire)
  // The deadlines (ms, Redis TIME) still ahead of jobs with tasks not yet started, soonest first (up to 32), each
  // with the tasks not yet started of every job due by then (cumulative). Empty when none.
  struct DueBy {
    std::int64_t deadline_ms = 0;
    std::int64_t to_start = 0;
  };
  std::vector<DueBy> deadlines;
  std::int64_t now_ms = 0;  // Redis TIME of the snapshot
};

// Reads a snapshot (one Lua script, so the numbers agree with each other).
QueueStats read_stats(QueueClient& client, std::int64_t window_seconds = 300);

// Exactly the shared contract: schema, queue, depth, depth_by_priority, in_flight, delayed, dead, done,
// backlog, finishing, unfinished, workers, throughput_per_second, task_seconds {p50, p95, count}, window_seconds,
// exists, jobs, earliest_deadline (ms, Redis TIME, as a job's "deadline"; or null), seconds_to_earliest_deadline
// (or null), deadline_unfinished (the tasks not yet started of the jobs due then) and deadlines (each deadline
// ahead, soonest first: {"deadline" ms, "seconds_left", "to_start": tasks not yet started of the jobs due by then}).
core::Json to_json(const QueueStats& stats);
std::string to_text(const QueueStats& stats);
std::string stats_prometheus(const QueueStats& stats);

// Connects, reads and returns to_json(stats): what `scale-plan --redis` calls. Throws IoError when Redis is
// unreachable, or may evict keys and `allow_eviction` is false.
core::Json fetch_stats_json(const RedisEndpoint& endpoint, const std::string& queue_name, bool allow_eviction,
                            std::int64_t window_seconds = 300);

// The q-quantile (0..1) of `values` by linear interpolation; 0 when empty. Pure, for tests.
double quantile(std::vector<double> values, double q);

}  // namespace swath::queue
