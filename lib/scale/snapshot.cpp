// Reads the shared queue-stats JSON contract strictly: wrong schema, missing or negative counts are errors.
#include "scale/snapshot.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/json.hpp"

namespace swath::scale {

namespace {

constexpr std::string_view kSchema = "swath.queue.stats/1";
constexpr double kMostTasks = 1e12;

long long count(const core::Json& object, std::string_view key, const std::string& name, bool required = true) {
  const core::Json* value = object.find(key);
  if (value == nullptr) {
    if (!required) return 0;
    throw core::DataError(name, "queue stats lack '" + std::string(key) + "'",
                          "produce it with `swath queue stats --json`");
  }
  if (!value->is_number()) throw core::DataError(name, "'" + std::string(key) + "' is not a number");
  const double v = value->as_double();
  if (v < 0) throw core::DataError(name, "'" + std::string(key) + "' is negative (" + value->dump() + ")");
  // A count of tasks or pods: 3.7 is not one (it was cut to 3, planning for fewer tasks than the file said), and
  // one too large for a long long would overflow the cast.
  if (!value->is_int() && (v != std::floor(v) || v >= 9.2e18)) {
    throw core::DataError(name, "'" + std::string(key) + "' is not a whole number (" + value->dump() + ")",
                          "produce it with `swath queue stats --json`");
  }
  // No Redis holds 10^12 tasks (a terabyte of records at least); larger counts are a broken file, and near 2^63
  // they overflowed the sums and formulas (a plan for -9.2e18 tasks).
  if (v > kMostTasks) {
    throw core::DataError(name, "'" + std::string(key) + "' is " + value->dump() + ", more than any queue holds",
                          "produce it with `swath queue stats --json`");
  }
  return value->is_int() ? static_cast<long long>(value->as_int()) : static_cast<long long>(v);
}

double seconds(const core::Json* object, std::string_view key, const std::string& name) {
  if (object == nullptr) return 0;
  const core::Json* value = object->find(key);
  if (value == nullptr || value->is_null()) return 0;
  if (!value->is_number() || value->as_double() < 0) {
    throw core::DataError(name, "'task_seconds." + std::string(key) + "' is not a non-negative number");
  }
  return value->as_double();
}

// The queue's job deadlines: "deadlines" [{deadline (ms), seconds_left, to_start}] soonest first; from older stats,
// earliest_deadline (ms), seconds_to_earliest_deadline and deadline_unfinished, each null or absent when no job has
// one.
void read_job_deadlines(const core::Json& json, const std::string& name, QueueSnapshot& s) {
  const auto number = [&](const core::Json& object, const char* key) -> std::optional<double> {
    const auto* value = object.find(key);
    if (value == nullptr || value->is_null()) return std::nullopt;
    if (!value->is_number() || !std::isfinite(value->as_double())) {
      throw core::DataError(name, "'" + std::string(key) + "' is not a number or null (" + value->dump() + ")",
                            "produce it with `swath queue stats --json`");
    }
    return value->as_double();
  };
  if (const auto* list = json.find("deadlines"); list != nullptr && !list->is_null()) {
    if (!list->is_array())
      throw core::DataError(name, "'deadlines' is not a list", "produce it with `swath queue stats --json`");
    for (const auto& due : list->as_array()) {
      if (!due.is_object())
        throw core::DataError(name, "'deadlines' holds " + due.dump() + ", not an object",
                              "produce it with `swath queue stats --json`");
      QueueSnapshot::JobDeadline d;
      if (const auto ms = number(due, "deadline")) d.epoch = *ms / 1000;
      d.seconds = number(due, "seconds_left");
      if (!d.epoch && !d.seconds) continue;
      d.tasks = count(due, "to_start", name, false);
      s.job_deadlines.push_back(d);
    }
    return;
  }
  QueueSnapshot::JobDeadline d;
  if (const auto ms = number(json, "earliest_deadline")) d.epoch = *ms / 1000;
  d.seconds = number(json, "seconds_to_earliest_deadline");
  if (!d.epoch && !d.seconds) return;
  d.tasks = count(json, "deadline_unfinished", name, false);
  d.includes_started = true;
  s.job_deadlines.push_back(d);
}

}  // namespace

QueueSnapshot parse_stats_json(std::string_view text, const std::string& name) {
  core::Json json;
  try {
    json = core::Json::parse(text);
  } catch (const core::Error& e) {
    throw core::DataError(name, "not JSON: " + e.why(), "produce it with `swath queue stats --json`");
  }
  return snapshot_from_json(json, name);
}

QueueSnapshot snapshot_from_json(const core::Json& json, const std::string& name) {
  if (!json.is_object()) throw core::DataError(name, "queue stats must be a JSON object");
  const core::Json* schema = json.find("schema");
  if (schema == nullptr || !schema->is_string() || schema->as_string() != kSchema) {
    throw core::DataError(name, "not queue stats: schema is " + (schema ? schema->dump() : std::string("missing")),
                          "expected \"" + std::string(kSchema) + "\" from `swath queue stats --json`");
  }
  QueueSnapshot s;
  if (const auto* queue = json.find("queue"); queue && queue->is_string()) s.queue = queue->as_string();
  s.backlog = count(json, "backlog", name);
  s.in_flight = count(json, "in_flight", name);
  s.finishing = count(json, "finishing", name, false);
  s.delayed = count(json, "delayed", name, false);
  s.dead = count(json, "dead", name, false);
  // Stats without `unfinished` (older swath): what waits (depth: the low list too), runs or retries.
  const std::int64_t waiting = json.find("depth") != nullptr ? count(json, "depth", name) : s.backlog;
  s.unfinished =
      json.find("unfinished") != nullptr ? count(json, "unfinished", name) : waiting + s.in_flight + s.delayed;
  s.workers = count(json, "workers", name, false);
  if (const auto* by = json.find("depth_by_priority"); by && by->is_object()) {
    s.depth_high = count(*by, "high", name, false);
    s.depth_normal = count(*by, "normal", name, false);
    s.depth_low = count(*by, "low", name, false);
  }
  read_job_deadlines(json, name, s);
  if (const auto* tp = json.find("throughput_per_second"); tp && tp->is_number())
    s.throughput_per_second = tp->as_double();
  const core::Json* times = json.find("task_seconds");
  s.task_p50 = seconds(times, "p50", name);
  s.task_p95 = seconds(times, "p95", name);
  if (times != nullptr) s.task_count = count(*times, "count", name, false);
  return s;
}

SnapshotSource stats_file_source(const std::string& path) {
  return [path] { return parse_stats_json(core::read_file(path), path); };
}

}  // namespace swath::scale
