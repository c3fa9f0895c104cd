// Redis key names of one queue. Every key carries the hash tag {NAME}, so a queue lives in one
// Redis Cluster slot and its Lua scripts may touch all of its keys atomically.
#pragma once

#include <string>

namespace swath::queue {

struct Keys {
  // Throws UsageError unless `name` is 1-100 characters of [A-Za-z0-9_.-].
  explicit Keys(const std::string& name);

  std::string name;
  std::string prefix;  // "swath:{NAME}:"
  // Tasks are named "JOB:ID" in every list and set.
  std::string ready;        // LIST of tasks, popped from the head
  std::string low;          // LIST of low-priority tasks, leased when the ready list runs short
  std::string leased;       // ZSET task -> lease deadline (ms, Redis TIME)
  std::string delayed;      // ZSET task -> retry time (ms)
  std::string dead;         // LIST of dead-lettered tasks, oldest first, at most queue.dead_max
  std::string workers;      // ZSET worker id -> last heartbeat (ms)
  std::string counts;       // HASH high|normal|low -> ready tasks of that priority
  std::string stats;        // HASH enqueued, done, dead, failed
  std::string durations;    // LIST "done_ms:seconds", newest first, capped
  std::string throughput;   // HASH 10-second bucket -> tasks done
  std::string finishing;    // ZSET task -> when another worker may move its files: committed, files not yet in place
  std::string unfinished;   // LIST, one element per task not finished: LLEN is the scaling signal KEDA reads
  std::string jobs;         // ZSET job id -> created (ms)
  std::string deadlines;    // ZSET job id -> its deadline (ms, Redis TIME), for jobs enqueued with one
  std::string layout;       // STRING "3": the key layout of this version (jobs, record and claim buckets)
  std::string bucketed;     // STRING "1" once `swath queue migrate` ran: new jobs spread their records over buckets
  std::string claim_texts;  // HASH ref -> text: what claims (HASHes `claims:<D>:<b>`, output -> work) refer to, once
  std::string job(const std::string& id) const { return prefix + "job:" + id; }  // HASH meta, counters
  // HASH task -> record of a job of one bucket (a bigger job's are job:J:t:<b>; see script_prelude.cpp)
  std::string job_tasks(const std::string& id) const { return prefix + "job:" + id + ":t"; }
};

}  // namespace swath::queue
