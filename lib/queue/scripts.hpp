// The queue's Lua scripts: every change touching more than one key is one of these, run atomically by Redis.
// Each takes KEYS[1] = the queue's ready list (routes the call to the queue's Cluster slot) and
// ARGV[1] = the key prefix "swath:{NAME}:"; all other keys are derived from the prefix, so share its hash tag.
// A task is named by its key "JOB:ID" (see script_prelude.cpp for the keys and the records).
#pragma once

#include "queue/connection.hpp"

namespace swath::queue::scripts {

// ARGV: prefix, force(0|1), job, job meta JSON, priority, retention_seconds, dead_max, the job's record buckets
// (used when this call creates the job), the waiting record's prefix "r0,0,<p>|" (script_prelude.cpp), then
// (id, that prefix and the payload, record key)...: the record key is the task's bucket's for that number of
// buckets, or '' (the script makes it).
// → {enqueued, duplicates}. The job's meta is stored once; each task's payload (inputs, slice) per task.
extern const Script enqueue;
// ARGV: prefix, worker, max_count, lease_ms, max_leases
// → {now_ms, waiting (ready+low+delayed+leased+finishing), due finishing entries, key, token, attempt, envelope, ...}
// First requeues expired leases and due retries, then pops up to max_count tasks from the head of `ready`.
// A task whose record is gone (evicted) is dead-lettered saying so; a foreign element becomes task raw:raw-<sha1>.
extern const Script lease;
// ARGV: prefix, lease_ms, worker, then (key, token)...  → keys whose lease was lost. Also the worker heartbeat.
extern const Script renew;
// ARGV: prefix, hold_ms, then (key, token, outputs_json, record_json, seconds, has_files(0|1))...
// → {1|0 per task}. 1: committed (or already committed by this token); 0: the lease was lost, the caller must
// discard its outputs. A commit with files enters `finishing` (due after hold_ms), its outputs kept until its files
// are in place; the task's record shrinks to its commit token. (record_json is the worker's: not stored.)
extern const Script commit;
// ARGV: prefix, hold_ms, hold_per_file_ms → {key, outputs_json, failed tries, token, ...}: due `finishing` entries
// (their worker died or failed between commit and rename), each held by the caller, who moves the files; token is
// the commit's ('' when the task's record is gone).
extern const Script claim_finishing;
// ARGV: prefix, then (key, token)... → count removed from `finishing`: their files are in place, the tasks are
// finished; only while the record is that commit's d<token> (a stalled worker never finishes a later commit).
extern const Script finished;
// ARGV: prefix, max_tries, base_ms, then (key, token, error)...  → {"retry"|"dead"|"gone" per key}: a move into place
// failed; tried again after base_ms × 2^(tries-1), dead-lettered with the reason after max_tries; "gone" once
// finished, or when token is not the current commit's.
extern const Script finish_failed;
// ARGV: prefix, max_attempts, then (key, token, error, permanent(0|1), delay_ms)...  → {"retry"|"dead"|"lost" per task}
extern const Script fail;
// ARGV: prefix, then (key, token)...  → count handed back to the ready list
extern const Script release;
// ARGV: prefix, worker → removes the worker's heartbeat
extern const Script goodbye;
// ARGV: prefix, window_ms, alive_ms
// → {now, llen ready, llen low, high, normal, low, leased, delayed, dead, done, workers, durations[], throughput[],
//    finishing, unfinished, jobs}
extern const Script stats;
// ARGV: prefix, job id or '' → {jobs known, then per job: id, meta, created, tasks, done, dead, running, finishing,
// unfinished, first_done, last_done}
extern const Script jobs;
// ARGV: prefix, start, stop → {key, error, failures, attempt, envelope, dead_at, ...}
extern const Script dead_list;
// ARGV: prefix, then task ids or keys → the ones that are dead tasks
extern const Script dead_members;
// ARGV: prefix, then task ids or keys (none: all) → count moved back to ready
extern const Script dead_retry;
// ARGV: prefix, then task ids or keys (none: all) → count deleted
extern const Script dead_purge;

}  // namespace swath::queue::scripts
