// Read-only questions asked of a queue before reporting on it or changing it: has it ever been used, which
// of some ids are dead tasks, which queues this server holds.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "queue/client.hpp"
#include "queue/connection.hpp"
#include "queue/keys.hpp"

namespace swath::queue {

// True when a task was ever enqueued on the queue (or it holds tasks or dead letters); a worker polling it
// does not count.
bool queue_seen(Connection& connection, const Keys& keys);

// Names of the queues this server holds (their `stats` hash), sorted, at most `limit`; a bounded SCAN, so on a
// very large key space some may be missed.
std::vector<std::string> seen_queues(Connection& connection, std::size_t limit = 20);

// "queue 'q' has never been used on this server (...); queues it holds: a, b": for a queue queue_seen denies, so a
// mistyped --queue is said, not read as an empty queue.
std::string never_used_note(Connection& connection, const std::string& name);

// Those of `ids` (task ids or keys) that are not dead tasks of the queue, in the given order.
std::vector<std::string> not_dead(QueueClient& client, const std::vector<std::string>& ids);

// Of the dead tasks `ids` names (all when empty), those that would die again at once if queued again ("JOB:ID"),
// read in one pass over the dead list: their job's deadline has passed (expired), or their record was lost from
// Redis (dead-lettered with no inputs left: malformed). Only `enqueue --force` of their work runs them.
struct StayingDead {
  std::vector<std::string> past_deadline, without_record;
};
StayingDead dead_that_stay(QueueClient& client, const std::vector<std::string>& ids);

// Throws DataError when the queue holds tasks in an earlier version's key layout (which this one would misread),
// naming what to do; nothing for a queue in this layout or never used.
void check_layout(Connection& connection, const Keys& keys);

// `swath queue migrate`: lets the queue's new jobs spread their records over buckets (docs/queue.md, *Upgrades*),
// which workers of layout 2 misread. Returns false when it was migrated already.
bool migrate(Connection& connection, const Keys& keys);

}  // namespace swath::queue
