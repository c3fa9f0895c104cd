// Settling finished tasks with the queue: fenced commit then rename for successes, retry or dead-letter for
// failures, and finishing the renames of commits whose worker died in between.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "queue/client.hpp"
#include "worker/lease_keeper.hpp"
#include "worker/run_task.hpp"

namespace swath::worker {

struct SettlePolicy {
  std::int64_t max_attempts = 5;  // also the tries at moving a commit's files into place
  std::int64_t backoff_base_ms = 1000;
  std::int64_t backoff_max_ms = 300000;
  // After a commit, how long its worker has to move the files into place before any other worker may: the
  // move of a few files takes milliseconds, so this mostly bounds how long a killed worker's commit waits; plus
  // `finish_hold_per_file_ms` for each file, as 15,625 tiles took longer than 5 s to move and three other workers
  // began moving them too, each logging that "its worker stopped".
  std::int64_t finish_hold_ms = 5000;
  double finish_hold_per_file_ms = 2;
};

struct SettleCounts {
  std::int64_t committed = 0;
  std::int64_t retried = 0;
  std::int64_t dead = 0;
  std::int64_t lost = 0;    // the lease was lost: outputs discarded, another worker has (or will have) the task
  double task_seconds = 0;  // sum over committed tasks
};

class Settler {
 public:
  Settler(queue::QueueClient& client, LeaseKeeper& keeper, SettlePolicy policy);
  // Commits successes (one script call), moves their files into place, records failures (one call).
  void settle(std::vector<Outcome> outcomes);
  // settle() in two halves, so the commit's round trip overlaps the caller's other work: send() records the
  // failures and sends the successes' commit; receive() reads its answer and moves files into place. One commit
  // is in flight at most: send() and every other call receive() a pending one first.
  void send(std::vector<Outcome> outcomes);
  void receive();
  // Moves the files of due commits into place: left by a worker that died between commit and rename, or
  // whose move failed (retried with backoff, dead-lettered with the reason after max_attempts tries).
  void finish_orphans();
  // Leases handed back by shutdown: their tasks' failures are hand-backs, not failures.
  void handed_back(const std::vector<std::string>& ids);
  const SettleCounts& counts() const { return counts_; }

 private:
  void apply_commit(std::vector<Outcome>& successes, const std::vector<bool>& accepted);
  void fail(std::vector<Outcome>& failures);
  // Reports moves that failed; they are retried or, after the last try, dead-lettered with the reason.
  struct Unmoved {
    std::string id;     // "JOB:ID"
    std::string token;  // its commit's
    std::string error;
    log::Context context;  // the task's
  };
  void report_unfinished(const std::vector<Unmoved>& failures);

  queue::QueueClient& client_;
  LeaseKeeper& keeper_;
  SettlePolicy policy_;
  SettleCounts counts_;
  std::mt19937_64 random_{std::random_device{}()};
  std::vector<Outcome> sent_;  // successes whose commit is in flight
  std::vector<queue::Commit> sent_commits_;
  std::int64_t sent_hold_ms_ = 0;      // their hold in finishing (finish_hold_ms and per file)
  bool resend_ = false;                // the send failed: receive() commits synchronously
  std::set<std::string> handed_back_;  // ids released by shutdown while their task ran
};

// Removes an attempt's staging directory, and .swath-staging when it is left empty.
void discard_staging(const std::string& staging);

// Removes staging directories of earlier attempts of the same task (same id, a token of a lower fence count); a
// later attempt's (the task run again meanwhile) is left.
void discard_stale_attempts(const std::string& staging);

// Throws DataError unless `name` is a relative path of non-hidden parts ("a.tif", "scene/0_0.tif"):
// no absolute path, no "..", nothing that could leave the directory or shadow a temporary.
void check_output_name(const std::string& name);

// The files of a task's previous run that its new run did not write over, to remove once the new files are in place.
struct EarlierFiles {
  std::map<std::string, std::uint64_t> files;  // relative name → the size the previous run recorded
  std::string guard;                           // the new run's manifest, which no longer lists them
  std::string guard_sha256;                    // its hash as the new run wrote it
  // Asked after each batch of up to 1,000 files is renamed aside, before they are removed: whether the commit is
  // still the task's unfinished one (a worker that stalled past its hold finds another finished the move, and the
  // task may have run again since: the files set aside are put back where nothing took their place).
  std::function<bool()> still_finishing = nullptr;
};

// Moves each file (a relative path, parents created) from `staging` to `dir`, skipping files already moved; then
// removes the `earlier` files, each only while still of its recorded size (another size is not swath's): renamed
// aside first, removed once the guard manifest in place is still the one this commit wrote and Redis still holds the
// commit (a worker that stalled past its hold finds a later run's there, whose files these may be, and puts back
// what it set aside, never over a file written since); removes `staging` and stale attempts. Idempotent: a later
// worker may finish the move of a dead one.
void move_into_place(const std::string& staging, const std::string& dir, const std::vector<std::string>& names,
                     const EarlierFiles& earlier = {});

}  // namespace swath::worker
