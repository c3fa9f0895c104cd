// Output locations claimed by enqueued work (swath:{NAME}:claims:*): distinct work never shares one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "queue/connection.hpp"
#include "queue/keys.hpp"
#include "queue/task.hpp"

namespace swath::queue {

// A location claimed by two different works: `held` by the earlier (or first) one, `wanted` by this one.
struct ClaimConflict {
  std::string key, held, wanted;
};

// The tasks' claims, one per location; throws UsageError when two tasks of this plan claim one location
// for different work (naming both).
std::vector<Claim> plan_claims(const std::vector<Task>& tasks);

// A claim's text (references expanded) as the work it names is spelt now, so that an older swath's spelling of the
// same work (creation options as given) is the same work; the text as it is when empty.
using ClaimSpelling = std::function<std::string(const std::string&)>;

// Records the claims in the queue's claim hashes (docs/queue.md), each only where it is absent or equal, all or
// none (checked in batches first, then set); with `reclaim`, replaces what earlier work held. Returns the
// conflicts (nothing recorded when there are any). Throws IoError when Redis is unreachable.
std::vector<ClaimConflict> record_claims(Connection& connection, const Keys& keys, const std::vector<Claim>& claims,
                                         bool reclaim, std::size_t batch = 500, const ClaimSpelling& spelling = {});
// The conflicts record_claims without `reclaim` would find, recording nothing (what --reclaim would take over).
std::vector<ClaimConflict> claim_conflicts(Connection& connection, const Keys& keys, const std::vector<Claim>& claims,
                                           std::size_t batch, const ClaimSpelling& spelling = {});

// The refusal of an enqueue over `conflicts` (a UsageError naming the first and what to do).
core::UsageError claim_refusal(const std::string& queue, const std::vector<ClaimConflict>& conflicts);

}  // namespace swath::queue
