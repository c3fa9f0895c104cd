// Tasks and jobs: what a worker needs to run one unit of work, with a deterministic id. The queue stores what the
// tasks of one job share once (kind, options, output, trace, priority, deadline) and per task only its inputs and
// its slice of the work; a worker gets both back as one envelope (schema swath.task/2).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "core/sha256.hpp"

namespace swath::queue {

inline constexpr const char* task_schema = "swath.task/2";

enum class Priority { high, normal, low };
const char* priority_name(Priority priority);
// Parses high|normal|low; throws UsageError naming `source`.
Priority parse_priority(const std::string& text, const std::string& source);

// An output location a task writes into, and what work it writes there: two tasks of different work must not
// share a location (one would overwrite the other's files). Opaque to the queue: `key` and `value` are made by
// the producer that plans the tasks, compared as strings, recorded per queue, and not part of the envelope.
struct Claim {
  std::string key;    // e.g. "/data/out/a": where the task's files go
  std::string value;  // the work, readable (it is shown in messages): equal for all the tasks of one work
  // Long parts of `value` (the work's options, a scene's directory) are stored once per queue: `value` names
  // each by its reference, and messages show its text in its place. Short values keep Redis' small encodings.
  std::vector<std::pair<std::string, std::string>> refs;  // reference, text
  bool operator==(const Claim&) const = default;
};

struct Task {
  std::string id;                   // deterministic: see make_task_id
  std::string job;                  // deterministic: see make_job_id (the queue sets it when it is empty)
  std::string kind;                 // names the worker's handler: "noop", "checksum", and what the producer adds
  std::vector<std::string> inputs;  // paths (or GDAL VSI paths) read by the task
  core::Json options = core::Json::object();  // all of them: the job's, and the task's own slice
  // Which keys of `options` are this task's own slice of the work (a shard, manifest lines): stored per task;
  // the others are the job's, stored once.
  std::vector<std::string> slice_keys;
  std::string output;  // directory the task's outputs are committed into
  Priority priority = Priority::normal;
  std::int64_t attempt = 0;                 // leases so far, set by the queue when leased
  std::string traceparent;                  // W3C: a child span of the enqueuer's trace
  std::int64_t enqueued_at_ms = 0;          // Redis TIME when enqueued
  std::optional<std::int64_t> deadline_ms;  // Redis TIME after which the task is not started
  std::vector<Claim> claims;                // checked and recorded at enqueue (see Claim); not sent to workers
  std::int64_t tiles_per_task = 0;          // a manifest's batches: their size, for the claims; not sent either
  // Held: queued but not run until every other task of its job is finished, none dead (a pyramid's merge).
  bool held = false;
};

// Hex SHA-256 (first 32 digits) of kind, inputs, options, output and swath's version:
// the same work enqueued twice gets the same id, so the second enqueue is a no-op.
std::string make_task_id(const std::string& kind, const std::vector<std::string>& inputs, const core::Json& options,
                         const std::string& output);

// make_task_id for the many tasks of one job (a manifest's batches), each made of the job's options and its own
// slice: the options are dumped once, and what comes before the slice is hashed once per distinct inputs. The
// same ids as make_task_id of the merged options (the slice's keys after the job's, which must not hold them).
class TaskIdMaker {
 public:
  TaskIdMaker(const std::string& kind, const core::Json& options, const std::string& output);
  // `inputs_json`: the inputs as a JSON array (core::Json dump); `slice_members`: the task's own options as
  // object members, `"key":value,...` ("" when it has none).
  std::string id(const std::string& inputs_json, std::string_view slice_members);

 private:
  std::string kind_json_, options_open_, tail_;
  bool options_empty_ = true;
  std::string last_inputs_;
  core::Sha256 prefix_;  // the identity up to the slice, for last_inputs_
};

// A task as the queue stores it, for producers that make millions (a manifest's batches) without a Task each.
struct QueuedTask {
  std::string id;         // make_task_id's
  std::string payload;    // task_payload's: the inputs as JSON, then a tab and the slice when there is one
  std::uint32_t job = 0;  // its job: an index into the enqueue's jobs
  Priority priority = Priority::normal;
  bool held = false;  // Task::held
};
// A job as the queue stores it once for its tasks.
struct QueuedJob {
  std::string id;    // make_job_id's
  std::string meta;  // job_meta_json's text
};
QueuedTask queued(const Task& task);  // its job left 0
// Finished tasks as the queue stores them, with their jobs in the order they first come (a task without a job
// gets make_job_id's; a job's meta is its first task's).
std::pair<std::vector<QueuedJob>, std::vector<QueuedTask>> queued(const std::vector<Task>& tasks);

// Hex SHA-256 (first 12 digits) of kind, the options the job's tasks share, output and swath's version: the
// same work always falls in the same job, so the same task is found there whichever enqueue names it again.
std::string make_job_id(const std::string& kind, const core::Json& shared_options, const std::string& output);

// The options every task of the job has (options without the slice keys), and the task's slice.
core::Json shared_options(const Task& task);
core::Json slice_options(const Task& task);
// What the queue stores once per job: {"kind","options","output","priority","traceparent","enqueued_at","deadline"}.
core::Json job_meta_json(const Task& task);
// What it stores per task: the inputs as a JSON array, then, when the task has a slice, a tab and the slice.
std::string task_payload(const Task& task);

// The envelope of `task` as the lease script composes it from the job's and the task's records (for producers
// and tests that make one by hand).
core::Json to_json(const Task& task);

// Parses and validates an envelope as the lease script composes it
// ({"schema","id","job","attempt","inputs","slice","job_meta"}); throws DataError whose `why` is the reason a
// worker dead-letters it (not JSON, wrong schema version, a missing or mistyped field).
Task parse_task(const std::string& text);

// Checks every input and the output lie under one of `roots` (after normalising "..");
// no roots means no restriction. Throws DataError naming the path.
void check_paths(const Task& task, const std::vector<std::string>& roots);
// The same check for one more path the task reads (`role` names it in the message: "model", ...).
void check_path(const std::string& path, const std::string& role, const std::vector<std::string>& roots);

}  // namespace swath::queue
