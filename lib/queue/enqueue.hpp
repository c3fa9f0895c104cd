// `swath enqueue`'s queue half: finished tasks (their ids, options and claims made by the producer) → Redis.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "queue/claims.hpp"
#include "queue/redis_url.hpp"
#include "queue/task.hpp"

namespace swath::queue {

class Connection;
class QueueClient;

struct EnqueueOptions {
  RedisEndpoint redis;
  std::string queue;
  bool force = false;                              // re-run tasks already done or dead
  bool allow_eviction = false;                     // accept a Redis that may evict keys (refused otherwise)
  bool reclaim = false;                            // take over output locations other work claimed (see Claim)
  std::size_t batch = 500;                         // tasks per script call
  std::int64_t retention_seconds = 7 * 24 * 3600;  // a finished job's records (done bits, dead tasks) stay this long
  std::int64_t dead_max = 100000;                  // dead tasks kept (the oldest go first)
  std::chrono::milliseconds reconnect_timeout{60000};  // a connection lost while sending is made again this long
};

struct EnqueueSummary {
  std::vector<std::string> jobs;  // the jobs the tasks went into
  std::int64_t tasks = 0;
  std::int64_t enqueued = 0;
  std::int64_t duplicates = 0;
  std::int64_t dead_duplicates = 0;  // of the duplicates, dead tasks: skipped, still dead
  std::int64_t not_queued = 0;       // Redis refused them (out of memory): the same enqueue again queues them
  std::string refusal;               // Redis' reason
  bool refused_busy = false;         // another client's long script held Redis (BUSY): run again once it ends
  bool interrupted = false;          // SIGINT/SIGTERM while sending: the tasks not yet sent are in not_queued
  std::int64_t unconfirmed = 0;      // sent when the connection was lost for good, no reply: queued or not
  std::string lost_connection;       // why Redis stayed unreachable past the reconnect timeout (then not_queued is
                                     // what was never sent); "" when the enqueue reached its end
};
core::Json to_json(const EnqueueSummary& summary, const std::string& queue);  // swath.enqueue/1

// What one enqueue sends, as the queue stores it: each job once, each task as its id and payload.
struct EnqueuePlan {
  std::vector<QueuedJob> jobs;    // in the order their first tasks come
  std::vector<QueuedTask> tasks;  // in the order they are queued (FIFO within a job and priority)
  std::vector<Claim> claims;      // one per location (plan_claims')
  ClaimSpelling claim_spelling;   // the same work in an older spelling is the same work (record_claims)
};
// The plan of finished tasks: their claims checked against each other (plan_claims: UsageError on a conflict).
EnqueuePlan enqueue_plan(const std::vector<Task>& tasks);

// One enqueue: connected first (so an unreachable or evicting Redis is said before any work is planned), asked
// for its time (tasks count their enqueue time and deadline from Redis TIME), then given the finished tasks.
class Enqueuer {
 public:
  // Checks the queue name (UsageError), connects (IoError) and refuses a Redis that may evict keys unless
  // `allow_eviction` (warnings, such as no AOF, are logged).
  explicit Enqueuer(EnqueueOptions options);
  ~Enqueuer();
  Enqueuer(const Enqueuer&) = delete;
  Enqueuer& operator=(const Enqueuer&) = delete;

  std::int64_t server_time_ms();

  // Records the tasks' claims (UsageError when two of them claim one location for different work, or when
  // other work holds one of their locations, naming it) and sends the tasks in batches. IoError when Redis
  // is unreachable before the first batch; what Redis refuses (out of memory) is counted in not_queued. A
  // connection lost while sending is made again (with backoff, up to a minute) and the unanswered batches sent
  // again; past that the summary says so (lost_connection, unconfirmed, not_queued).
  EnqueueSummary enqueue(const std::vector<Task>& tasks);
  // The same for a plan made without Tasks (a manifest's millions of batches).
  EnqueueSummary enqueue(const EnqueuePlan& plan);

 private:
  EnqueueOptions options_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<QueueClient> client_;
};

}  // namespace swath::queue
