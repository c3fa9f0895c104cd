// What scale-plan knows about a queue at one moment: the `swath.queue.stats/1` contract, and where it comes from.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace swath::scale {

struct QueueSnapshot {
  std::string queue;
  // Tasks enqueued and not finished: waiting (ready, parked low), delayed, leased and committed but not yet
  // moved into place — LLEN swath:{NAME}:unfinished, the one number KEDA and every strategy read. Counting
  // running work keeps a plan from scaling in under it (the ready list alone is 0 once every task is leased).
  long long unfinished = 0;
  long long backlog = 0;  // LLEN swath:{NAME}:ready: waiting tasks only
  long long depth_high = 0, depth_normal = 0, depth_low = 0;
  long long in_flight = 0;
  long long finishing = 0;  // committed, files not yet in place: unfinished, but started
  long long delayed = 0;
  long long dead = 0;
  long long workers = 0;  // workers seen alive; 0 when unknown
  double throughput_per_second = 0;
  double task_p50 = 0;  // seconds; 0 when not measured yet
  double task_p95 = 0;
  long long task_count = 0;
  // A deadline of queued jobs (`enqueue --deadline`: tasks not started by then expire): epoch seconds (what --now
  // is compared with), else seconds from the snapshot; and the tasks not yet started of every job due by then.
  struct JobDeadline {
    std::optional<double> epoch;
    std::optional<double> seconds;
    long long tasks = 0;
    bool includes_started = false;  // older stats' deadline_unfinished: its running tasks too
  };
  std::vector<JobDeadline> job_deadlines;  // soonest first
  bool live = false;  // read from Redis just now (a deadline's seconds are exact, whatever this host's clock)
};

// Parses `swath queue stats --json` output; DataError naming `name` and the key when it is not the contract.
// Stats without "unfinished" (written before it existed) count backlog + in_flight + delayed instead.
QueueSnapshot parse_stats_json(std::string_view text, const std::string& name);
// The same, from an already parsed object (the --redis path gets one from the queue library).
QueueSnapshot snapshot_from_json(const core::Json& json, const std::string& name);

// Where snapshots come from: a stats file or Redis (through the queue library). The controller
// loop calls it once per iteration.
using SnapshotSource = std::function<QueueSnapshot()>;

SnapshotSource stats_file_source(const std::string& path);

}  // namespace swath::scale
