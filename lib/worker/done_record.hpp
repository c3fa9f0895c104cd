// The done record of a task with outputs: a JSON file staged and committed with its outputs, at
// <output>/swath-records/<job>/<task>.json (Redis keeps only the commit token of a done task).
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::worker {

// "swath-records/<job>/<task>.json": the record's name among the task's outputs.
std::string done_record_name(const std::string& job, const std::string& task);

// Every done record of `job` under `output_dir`, in task order; files that are not whole JSON objects (none should
// be: they are committed like outputs) are passed over. Throws IoError when one cannot be read.
std::vector<core::Json> read_records(const std::string& output_dir, const std::string& job);

}  // namespace swath::worker
