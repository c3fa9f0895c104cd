// What scale-plan knows about a queue at one moment: the `swath.queue.stats/1` contract, and where it comes from.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/json.hpp"

namespace swath::scale {

struct QueueSnapshot {
  std::string queue;
  long long backlog = 0;    // the one number KEDA and scale-plan read
  long long depth_high = 0, depth_normal = 0, depth_low = 0;
  long long in_flight = 0;
  long long delayed = 0;
  long long dead = 0;
  long long workers = 0;    // workers seen alive; 0 when unknown
  double throughput_per_second = 0;
  double task_p50 = 0;      // seconds; 0 when not measured yet
  double task_p95 = 0;
  long long task_count = 0;
};

// Parses `swath queue stats --json` output; DataError naming `name` and the key when it is not the contract.
QueueSnapshot parse_stats_json(std::string_view text, const std::string& name);
// The same, from an already parsed object (the --redis path gets one from the queue library).
QueueSnapshot snapshot_from_json(const core::Json& json, const std::string& name);

// Where snapshots come from: a stats file or Redis (through the queue library). The controller
// loop calls it once per iteration.
using SnapshotSource = std::function<QueueSnapshot()>;

SnapshotSource stats_file_source(const std::string& path);

}  // namespace swath::scale
