// The worker's tile and detect kinds: the same library calls as `swath tile` and `swath detect`, into the
// attempt's staging directory. Lives beside apps so that lib/worker needs neither tiling nor detect.
#pragma once

#include <cstdint>
#include <vector>

#include "core/json.hpp"
#include "pipeline/resources.hpp"
#include "queue/client.hpp"
#include "worker/handler.hpp"

namespace swath::fleet {

// What the worker process grants each task (the run section): not part of the task, so the outputs do not
// depend on it (tiles and detections are identical for any thread count).
using Resources = pipeline::Resources;

// Replaces the placeholders of kinds `tile` and `detect` with the real handlers.
void add_handlers(worker::HandlerRegistry& registry, Resources resources);

// A job's done records (worker::read_records, under its output) and how many of its done tasks have none: only
// kinds whose tasks write outputs leave a record (a noop task has none), so only they can miss one.
struct JobRecords {
  std::string dir;  // the job's output directory
  std::vector<core::Json> records;
  std::int64_t missing = 0;
};
JobRecords read_job_records(const queue::JobInfo& job);

// Per-task output names, so tasks of one scene (shards) committing into one directory never collide.
std::string manifest_name(const std::string& task_id);                               // tiles.<id>.jsonl
std::string index_name(const std::string& task_id);                                  // tiles.<id>.geojson
std::string detections_name(const std::string& task_id, const std::string& format);  // detections.<id>.<format>

}  // namespace swath::fleet
