// The task envelope (schema swath.task/1): what a worker needs to run one unit of work, with a deterministic id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::queue {

inline constexpr const char* task_schema = "swath.task/1";

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
  bool operator==(const Claim&) const = default;
};

struct Task {
  std::string id;                   // deterministic: see make_task_id
  std::string kind;                 // names the worker's handler: "noop", "checksum", and what the producer adds
  std::vector<std::string> inputs;  // paths (or GDAL VSI paths) read by the task
  core::Json options = core::Json::object();
  std::string output;               // directory the task's outputs are committed into
  Priority priority = Priority::normal;
  std::int64_t attempt = 0;         // leases so far, set by the queue when leased
  std::string traceparent;          // W3C: a child span of the enqueuer's trace
  std::int64_t enqueued_at_ms = 0;  // Redis TIME when enqueued
  std::optional<std::int64_t> deadline_ms;  // Redis TIME after which the task is not started
  std::vector<Claim> claims;        // checked and recorded at enqueue (see Claim); not sent to workers
};

// Hex SHA-256 (first 32 digits) of kind, inputs, options, output and swath's version:
// the same work enqueued twice gets the same id, so the second enqueue is a no-op.
std::string make_task_id(const std::string& kind, const std::vector<std::string>& inputs, const core::Json& options,
                         const std::string& output);

core::Json task_json(const Task& task);
std::string task_text(const Task& task);  // task_json(...).dump()

// Parses and validates an envelope; throws DataError whose `why` is the reason a worker dead-letters it
// (not JSON, wrong schema version, a missing or mistyped field).
Task parse_task(const std::string& text);

// Checks every input and the output lie under one of `roots` (after normalising "..");
// no roots means no restriction. Throws DataError naming the path.
void check_paths(const Task& task, const std::vector<std::string>& roots);
// The same check for one more path the task reads (`role` names it in the message: "model", ...).
void check_path(const std::string& path, const std::string& role, const std::vector<std::string>& roots);

}  // namespace swath::queue
