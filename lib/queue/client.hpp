// The queue's operations over one connection: each is one Lua script call (or one pipelined batch of them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "queue/connection.hpp"
#include "queue/keys.hpp"
#include "queue/task.hpp"

namespace swath::queue {

struct EnqueueCounts {
  std::int64_t enqueued = 0;
  std::int64_t duplicates = 0;       // already queued, running or done (same id): skipped unless force
  std::int64_t dead_duplicates = 0;  // of them, dead (queue dead retry, or --force, queues them again)
  std::int64_t not_queued = 0;       // refused by Redis (out of memory) or never sent after a refusal
  std::string refusal;               // Redis' reason for the first refused batch
  bool refused_busy = false;         // that reason: another client's long script held Redis (BUSY), not memory
  bool interrupted = false;          // a signal asked to stop (core::cancel_requested): the rest was not sent
  std::int64_t unconfirmed = 0;      // sent, but the connection was lost before Redis replied: queued or not
  std::string lost_connection;       // why Redis stayed unreachable past the reconnect timeout; "" when it did not
};

struct Leased {
  std::string id;        // the queue's name of the task, "JOB:ID": what every call about it takes
  std::string token;     // fencing token: only this lease may commit
  std::int64_t attempt;  // leases so far, this one included
  std::string envelope;  // raw text; the worker validates it
  std::string task_id() const { return id.substr(id.find(':') + 1); }  // the task's own id
  std::string job() const { return id.substr(0, id.find(':')); }
};

struct LeaseBatch {
  std::int64_t now_ms = 0;         // Redis TIME when leased
  std::int64_t waiting = 0;        // ready + low + delayed + leased + finishing, after this lease
  std::int64_t due_finishing = 0;  // committed tasks whose files wait for any worker to move them (claim_finishing)
  std::vector<Leased> tasks;
  std::size_t leased = 0;  // tasks.size() as returned (the caller may move the tasks out)
};

struct Commit {
  std::string id;  // "JOB:ID"
  std::string token;
  std::string outputs_json;  // {"staging":..., "dir":..., "files":{"name": "sha256", ...}}
  std::string result_json;   // the ack record (the worker's; also committed beside the outputs as a done record)
  double seconds = 0;
  bool has_files = false;  // enters `finishing` until the files are moved into place
};

struct Failure {
  std::string id;
  std::string token;
  std::string error;
  bool permanent = false;  // bad input: dead-letter now
  std::int64_t delay_ms = 0;
};

// A committed task whose files are not in place yet, claimed by this worker for a while.
struct Finishing {
  std::string id;            // "JOB:ID"
  std::string outputs_json;  // as recorded by the commit: {"staging":..., "dir":..., "files":{...}}
  std::int64_t failed_tries = 0;
  std::string token;  // the commit's fencing token, which finished() and finish_failed() name it by
};

// A commit whose files could not be moved into place: its id, its commit's token and why.
struct FinishFailure {
  std::string id;
  std::string token;
  std::string error;
};

// A job: what its tasks share, and how far they got.
struct JobInfo {
  std::string id;
  core::Json meta;  // kind, options, output, priority, traceparent, enqueued_at, deadline
  std::int64_t created_ms = 0, tasks = 0, done = 0, dead = 0, running = 0, finishing = 0, unfinished = 0;
  std::int64_t first_done_ms = 0, last_done_ms = 0;  // 0: none done yet
  std::int64_t held = 0;  // tasks (a pyramid's merge) waiting for all the others to finish, none dead
  // Ready, parked or waiting to retry (held tasks are unfinished but not waiting to run).
  std::int64_t waiting() const { return unfinished - running - finishing - held; }
};

struct DeadTask {
  std::string id, error, envelope;  // id: "JOB:ID"
  std::int64_t failures = 0, attempt = 0, dead_at_ms = 0;
};

using LeaseRef = std::pair<std::string, std::string>;  // id, token

class QueueClient {
 public:
  QueueClient(Connection& connection, const std::string& queue_name) : connection_(connection), keys_(queue_name) {}

  const Keys& keys() const { return keys_; }
  Connection& connection() { return connection_; }

  // Sends tasks in pipelined batches of `batch` per script call, grouped by job (a task without one gets
  // make_job_id's: the same work always lands in the same job). A batch Redis refuses (out of memory) is not
  // queued at all, nor is anything after it: counted in not_queued, with the reason. Ids are deterministic, so
  // the same call later queues exactly what is missing. A lost connection is made again (the connection's
  // reconnect timeout) and the unanswered batches sent again; past the timeout, or on Ctrl-C meanwhile, the counts
  // say what was confirmed, unconfirmed and never sent. `retention_seconds`: how long a finished job's records
  // stay; `dead_max`: the most dead tasks kept.
  EnqueueCounts enqueue(const std::vector<Task>& tasks, bool force, std::size_t batch = 500,
                        std::int64_t retention_seconds = 7 * 24 * 3600, std::int64_t dead_max = 100000);
  // The same for tasks as the queue stores them (`task.job` indexes `jobs`).
  EnqueueCounts enqueue(const std::vector<QueuedJob>& jobs, const std::vector<QueuedTask>& tasks, bool force,
                        std::size_t batch = 500, std::int64_t retention_seconds = 7 * 24 * 3600,
                        std::int64_t dead_max = 100000);
  // Up to `max_count` tasks, of which at most `max_low` low-priority ones (taken only when the ready list runs short):
  // a worker prefetching quick tasks would otherwise hold a batch of lows while high work queued later waits.
  LeaseBatch lease(const std::string& worker, std::size_t max_count, std::int64_t lease_ms, std::int64_t max_leases,
                   std::size_t max_low = SIZE_MAX);
  // The same in two halves, so the caller can work while Redis leases; nothing else may use the connection between.
  void send_lease(const std::string& worker, std::size_t max_count, std::int64_t lease_ms, std::int64_t max_leases,
                  std::size_t max_low = SIZE_MAX);
  LeaseBatch receive_lease();
  // Extends the leases still held; returns ids whose lease was lost. Also refreshes the worker's heartbeat.
  std::vector<std::string> renew(const std::string& worker, std::int64_t lease_ms, const std::vector<LeaseRef>& held);
  // One flag per commit: true when recorded (the caller may now move outputs into place). A commit with files
  // stays unfinished until finished() names it; after `hold_ms` any worker may claim it (claim_finishing).
  std::vector<bool> commit(const std::vector<Commit>& commits, std::int64_t hold_ms);
  // The same in two halves, so the round trip overlaps other work. receive_commit returns nothing when Redis
  // had lost the script (SCRIPT FLUSH): the caller repeats the commit with commit(), which is safe.
  void send_commit(const std::vector<Commit>& commits, std::int64_t hold_ms);
  std::optional<std::vector<bool>> receive_commit();
  // One word per failure: "retry", "dead" or "lost".
  std::vector<std::string> fail(const std::vector<Failure>& failures, std::int64_t max_attempts);
  std::int64_t release(const std::vector<LeaseRef>& held);
  void goodbye(const std::string& worker);
  // Due commits whose files still sit in staging (up to 100, and a minute's worth of files at `hold_per_file_ms`),
  // each held by this caller for `hold_ms` plus `hold_per_file_ms` for every file claimed: the caller moves them in
  // turn and reports them together.
  std::vector<Finishing> claim_finishing(std::int64_t hold_ms, double hold_per_file_ms = 0);
  // Their files are in place: the tasks are finished, each only while its commit is the one under that token (a
  // stalled worker's late report does not finish a later commit of the task, whose files are not in place yet).
  void finished(const std::vector<LeaseRef>& commits);
  // Whether task `id` is still finishing under the commit whose outputs record is `outputs_json`: not once any
  // worker reported its files in place, nor under a later commit of the task.
  bool still_finishing(const std::string& id, const std::string& outputs_json);
  // Moves that failed: one word per failure, "retry", "dead" (after max_tries) or "gone" (finished meanwhile, or no
  // longer the commit of that token).
  std::vector<std::string> finish_failed(const std::vector<FinishFailure>& failures, std::int64_t max_tries,
                                         std::int64_t base_ms);

  std::vector<DeadTask> dead_list(std::int64_t start, std::int64_t stop);
  // Which of `ids` (task ids or keys) are dead tasks of this queue.
  std::vector<std::string> dead_members(const std::vector<std::string>& ids);
  // Every job (empty `id`) or one; `known` gets how many jobs the queue lists.
  std::vector<JobInfo> jobs(const std::string& id = "", std::int64_t* known = nullptr);
  std::int64_t dead_retry(const std::vector<std::string>& ids);  // task ids or keys; empty: all
  std::int64_t dead_purge(const std::vector<std::string>& ids);  // task ids or keys; empty: all

  Value raw_stats(std::int64_t window_ms, std::int64_t alive_ms);

 private:
  Connection& connection_;
  std::vector<std::string> sent_lease_;  // the keys and arguments of the lease send_lease sent
  Keys keys_;
};

}  // namespace swath::queue
