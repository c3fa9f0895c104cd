// A tiles.jsonl manifest queued for `swath enqueue` batch by batch, never as a Task per batch (a manifest may hold
// millions of lines): each batch's id and payload from the options the batches share, dumped once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "fleet/plan.hpp"

namespace swath::fleet {

// Adds every batch of the manifest at `path` through `add` (a Task with it for the first batch, and for each when
// the shared options hold a key a batch sets), and to `out.checked` the tasks standing for the work.
void queue_manifest(const PlanOptions& options, const std::string& path, std::int64_t now_ms, QueuePlan& out,
                    const std::function<void(queue::QueuedTask&&, const queue::Task*)>& add);

}  // namespace swath::fleet
