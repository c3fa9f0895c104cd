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
  std::string ready;   // LIST of task ids, popped from the head
  std::string low;     // LIST of low-priority ids parked while high/normal work waits
  std::string leased;  // ZSET id -> lease deadline (ms, Redis TIME)
  std::string delayed; // ZSET id -> retry time (ms)
  std::string dead;    // LIST of dead-lettered ids
  std::string workers; // ZSET worker id -> last heartbeat (ms)
  std::string counts;  // HASH high|normal|low -> ready tasks of that priority
  std::string stats;   // HASH enqueued, done, dead, failed
  std::string durations;   // LIST "done_ms:seconds", newest first, capped
  std::string throughput;  // HASH 10-second bucket -> tasks done
  std::string finishing;   // ZSET id -> when another worker may move its files: committed, files not yet in place
  std::string unfinished;  // LIST, one element per task not finished: LLEN is the scaling signal KEDA reads
  std::string task(const std::string& id) const { return prefix + "task:" + id; }
};

}  // namespace swath::queue
