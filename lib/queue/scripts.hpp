// The queue's Lua scripts: every change touching more than one key is one of these, run atomically by Redis.
// Each takes KEYS[1] = the queue's ready list (routes the call to the queue's Cluster slot) and
// ARGV[1] = the key prefix "swath:{NAME}:"; all other keys are derived from the prefix, so share its hash tag.
#pragma once

#include "queue/connection.hpp"

namespace swath::queue::scripts {

// ARGV: prefix, force(0|1), then (id, priority, envelope)...   → {enqueued, duplicates}
extern const Script enqueue;
// ARGV: prefix, worker, max_count, lease_ms, max_leases
// → {now_ms, waiting (ready+low+delayed+leased), id, token, attempt, envelope, ...}
// First requeues expired leases and due retries, then pops up to max_count ids from the head of `ready`.
extern const Script lease;
// ARGV: prefix, lease_ms, worker, then (id, token)...  → ids whose lease was lost. Also the worker heartbeat.
extern const Script renew;
// ARGV: prefix, ttl_seconds, then (id, token, outputs_json, result_json, seconds, has_files(0|1))...  → {1|0 per task}
// 1: committed (or already committed by this token); 0: the lease was lost, the caller must discard its outputs.
// A commit with files also enters `finishing` until its worker has moved them into place.
extern const Script commit;
// ARGV: prefix, min_age_ms → {id, outputs_json, ...}: commits whose files were not moved into place in time
// (their worker died between commit and rename); any worker may finish the move.
extern const Script finishing;
// ARGV: prefix, max_attempts, then (id, token, error, permanent(0|1), delay_ms)...  → {"retry"|"dead"|"lost" per task}
extern const Script fail;
// ARGV: prefix, then (id, token)...  → count handed back to the ready list
extern const Script release;
// ARGV: prefix, worker → removes the worker's heartbeat
extern const Script goodbye;
// ARGV: prefix, window_ms, alive_ms
// → {now, llen ready, llen low, high, normal, low, leased, delayed, dead, done, workers, durations[], throughput[]}
extern const Script stats;
// ARGV: prefix, start, stop → {id, error, failures, attempt, envelope, dead_at, ...}
extern const Script dead_list;
// ARGV: prefix, then ids (none: all) → count moved back to ready
extern const Script dead_retry;
// ARGV: prefix, then ids (none: all) → count deleted
extern const Script dead_purge;

}  // namespace swath::queue::scripts
