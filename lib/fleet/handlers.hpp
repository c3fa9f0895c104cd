// The worker's tile and detect kinds: the same library calls as `swath tile` and `swath detect`, into the
// attempt's staging directory. Lives beside apps so that lib/worker needs neither tiling nor detect.
#pragma once

#include "pipeline/resources.hpp"
#include "worker/handler.hpp"

namespace swath::fleet {

// What the worker process grants each task (the run section): not part of the task, so the outputs do not
// depend on it (tiles and detections are identical for any thread count).
using Resources = pipeline::Resources;

// Replaces the placeholders of kinds `tile` and `detect` with the real handlers.
void add_handlers(worker::HandlerRegistry& registry, Resources resources);

// Per-task output names, so tasks of one scene (shards) committing into one directory never collide.
std::string manifest_name(const std::string& task_id);                               // tiles.<id>.jsonl
std::string index_name(const std::string& task_id);                                  // tiles.<id>.geojson
std::string detections_name(const std::string& task_id, const std::string& format);  // detections.<id>.<format>

}  // namespace swath::fleet
