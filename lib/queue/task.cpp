// Tasks and jobs: deterministic ids, what is stored per job and per task, and strict validation of envelopes.
#include "queue/task.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/build_info.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"

namespace swath::queue {

namespace {

core::DataError malformed(const std::string& why) {
  return core::DataError("malformed task", why, "fix the producer; the task was dead-lettered");
}

const core::Json& require(const core::Json& json, const char* key) {
  const core::Json* value = json.find(key);
  if (value == nullptr) throw malformed(std::string("missing field '") + key + "'");
  return *value;
}

const std::string& require_string(const core::Json& json, const char* key) {
  const auto& value = require(json, key);
  if (!value.is_string()) throw malformed(std::string("field '") + key + "' must be a string");
  return value.as_string();
}

std::int64_t require_int(const core::Json& json, const char* key) {
  const auto& value = require(json, key);
  if (!value.is_int()) throw malformed(std::string("field '") + key + "' must be an integer");
  return value.as_int();
}

std::vector<std::string> require_inputs(const core::Json& json) {
  const auto& value = require(json, "inputs");
  if (!value.is_array() || value.as_array().empty()) throw malformed("field 'inputs' must be a non-empty array");
  std::vector<std::string> inputs;
  for (const auto& item : value.as_array()) {
    if (!item.is_string() || item.as_string().empty()) throw malformed("field 'inputs' must hold non-empty strings");
    inputs.push_back(item.as_string());
  }
  return inputs;
}

// Absolute, ".." resolved and, for local paths, symlinks resolved: neither "root/../etc" nor a symlink
// inside the root pointing elsewhere passes as under "root". GDAL /vsi paths are compared lexically.
std::filesystem::path normalised(const std::string& path) {
  const auto absolute = std::filesystem::absolute(std::filesystem::path(path)).lexically_normal();
  if (core::is_vsi_path(path)) return absolute;
  std::error_code ec;
  const auto resolved = std::filesystem::weakly_canonical(absolute, ec);
  return ec ? absolute : resolved;
}

bool is_under(const std::filesystem::path& path, const std::filesystem::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // trailing slash of the root
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

const char* priority_name(Priority priority) {
  switch (priority) {
    case Priority::high:
      return "high";
    case Priority::normal:
      return "normal";
    case Priority::low:
      return "low";
  }
  return "normal";
}

Priority parse_priority(const std::string& text, const std::string& source) {
  if (text == "high") return Priority::high;
  if (text == "normal") return Priority::normal;
  if (text == "low") return Priority::low;
  throw core::UsageError(source, "unknown priority '" + text + "'", "use high, normal or low");
}

std::string make_task_id(const std::string& kind, const std::vector<std::string>& inputs, const core::Json& options,
                         const std::string& output) {
  // The dump of {"kind","inputs","options","output","swath"} in that order, written without copying the options
  // into an identity object (a manifest makes millions of tasks).
  const core::Json::Array input_array(inputs.begin(), inputs.end());
  std::string identity = "{\"kind\":" + core::Json(kind).dump() + ",\"inputs\":" + core::Json(input_array).dump() +
                         ",\"options\":" + options.dump() + ",\"output\":" + core::Json(output).dump() +
                         ",\"swath\":" + core::Json(core::build::version).dump() + "}";
  return core::sha256_hex(identity).substr(0, 32);
}

TaskIdMaker::TaskIdMaker(const std::string& kind, const core::Json& options, const std::string& output)
    : kind_json_(core::Json(kind).dump()),
      options_open_(options.dump()),
      tail_(",\"output\":" + core::Json(output).dump() + ",\"swath\":" + core::Json(core::build::version).dump() + "}"),
      options_empty_(options.as_object().empty()) {
  options_open_.pop_back();  // the closing brace: the slice's members go before it
}

std::string TaskIdMaker::id(const std::string& inputs_json, std::string_view slice_members) {
  if (last_inputs_.empty() || inputs_json != last_inputs_) {
    prefix_ = core::Sha256();
    for (std::string_view part :
         {std::string_view("{\"kind\":"), std::string_view(kind_json_), std::string_view(",\"inputs\":"),
          std::string_view(inputs_json), std::string_view(",\"options\":"), std::string_view(options_open_)})
      prefix_.update(part);
    last_inputs_ = inputs_json;
  }
  core::Sha256 hash = prefix_;
  if (!slice_members.empty()) {
    if (!options_empty_) hash.update(",");
    hash.update(slice_members);
  }
  hash.update("}");
  hash.update(tail_);
  auto id = hash.finish_hex();
  id.resize(32);  // in place: a million ids are made per manifest
  return id;
}

std::string make_job_id(const std::string& kind, const core::Json& shared, const std::string& output) {
  core::Json identity = core::Json::object();
  identity.set("kind", kind);
  identity.set("options", shared);
  identity.set("output", output);
  identity.set("swath", core::build::version);
  return core::sha256_hex(identity.dump()).substr(0, 12);
}

core::Json shared_options(const Task& task) {
  core::Json out = core::Json::object();
  for (const auto& [key, value] : task.options.as_object()) {
    if (std::find(task.slice_keys.begin(), task.slice_keys.end(), key) == task.slice_keys.end()) out.set(key, value);
  }
  return out;
}

core::Json slice_options(const Task& task) {
  core::Json out = core::Json::object();
  for (const auto& key : task.slice_keys) {
    if (const auto* value = task.options.find(key)) out.set(key, *value);
  }
  return out;
}

core::Json job_meta_json(const Task& task) {
  core::Json json = core::Json::object();
  json.set("kind", task.kind);
  json.set("options", shared_options(task));
  json.set("output", task.output);
  json.set("priority", priority_name(task.priority));
  json.set("traceparent", task.traceparent);
  json.set("enqueued_at", task.enqueued_at_ms);
  json.set("deadline", task.deadline_ms ? core::Json(*task.deadline_ms) : core::Json());
  return json;
}

std::string task_payload(const Task& task) {
  std::string out = core::Json(core::Json::Array(task.inputs.begin(), task.inputs.end())).dump();
  const auto slice = slice_options(task);
  if (!slice.as_object().empty()) out += "\t" + slice.dump();
  return out;
}

QueuedTask queued(const Task& task) { return {task.id, task_payload(task), 0, task.priority, task.held}; }

std::pair<std::vector<QueuedJob>, std::vector<QueuedTask>> queued(const std::vector<Task>& tasks) {
  std::pair<std::vector<QueuedJob>, std::vector<QueuedTask>> out;
  auto& [jobs, rows] = out;
  std::map<std::string, std::uint32_t> index;
  rows.reserve(tasks.size());
  for (const auto& task : tasks) {
    const std::string job = task.job.empty() ? make_job_id(task.kind, shared_options(task), task.output) : task.job;
    const auto [it, first] = index.try_emplace(job, static_cast<std::uint32_t>(jobs.size()));
    if (first) jobs.push_back({job, job_meta_json(task).dump()});
    rows.push_back(queued(task));
    rows.back().job = it->second;
  }
  return out;
}

core::Json to_json(const Task& task) {
  core::Json json = core::Json::object();
  json.set("schema", task_schema);
  json.set("id", task.id);
  json.set("job", task.job.empty() ? make_job_id(task.kind, shared_options(task), task.output) : task.job);
  json.set("attempt", task.attempt);
  json.set("inputs", core::Json::Array(task.inputs.begin(), task.inputs.end()));
  json.set("slice", slice_options(task));
  json.set("job_meta", job_meta_json(task));
  return json;
}

Task parse_task(const std::string& text) {
  core::Json json;
  try {
    json = core::Json::parse(text);
  } catch (const core::Error& e) {
    throw malformed("not JSON: " + e.why());
  }
  if (!json.is_object()) throw malformed("not a JSON object");
  const std::string& schema = require_string(json, "schema");
  if (schema != task_schema) {
    throw malformed("schema version '" + schema + "' is not " + task_schema);
  }
  Task task;
  task.id = require_string(json, "id");
  task.job = require_string(json, "job");
  task.attempt = require_int(json, "attempt");
  task.inputs = require_inputs(json);
  const auto& meta = require(json, "job_meta");
  if (!meta.is_object()) throw malformed("field 'job_meta' must be an object");
  task.kind = require_string(meta, "kind");
  const auto& options = require(meta, "options");
  if (!options.is_object()) throw malformed("field 'options' must be an object");
  task.options = options;
  const auto& slice = require(json, "slice");
  if (!slice.is_object()) throw malformed("field 'slice' must be an object");
  for (const auto& [key, value] : slice.as_object()) {
    task.options.set(key, value);
    task.slice_keys.push_back(key);
  }
  task.output = require_string(meta, "output");
  if (task.id.empty() || task.kind.empty() || task.output.empty())
    throw malformed("id, kind and output must not be empty");
  try {
    task.priority = parse_priority(require_string(meta, "priority"), "priority");
  } catch (const core::UsageError&) {
    throw malformed("field 'priority' must be high, normal or low");
  }
  task.traceparent = require_string(meta, "traceparent");
  task.enqueued_at_ms = require_int(meta, "enqueued_at");
  const auto& deadline = require(meta, "deadline");
  if (!deadline.is_null()) {
    if (!deadline.is_int()) throw malformed("field 'deadline' must be an integer or null");
    task.deadline_ms = deadline.as_int();
  }
  return task;
}

void check_path(const std::string& path, const std::string& role, const std::vector<std::string>& roots) {
  if (roots.empty()) return;
  const auto p = normalised(path);
  for (const auto& root : roots) {
    if (is_under(p, normalised(root))) return;
  }
  // Not a malformed task: this worker's policy refuses it (a worker with other roots would take it).
  std::string allowed;
  for (const auto& root : roots) allowed += (allowed.empty() ? "'" : "', '") + root;
  // A link under a root that leads out of it is outside: say where it leads, or the refusal reads as a wrong root.
  const auto lexical = std::filesystem::absolute(std::filesystem::path(path)).lexically_normal();
  const std::string leads = p != lexical ? " (it leads to '" + p.string() + "')" : "";
  throw core::DataError(role + " '" + path + "'" + leads + " is outside the allowed roots",
                        "--allow-root " + allowed + "'",
                        "enqueue paths under a --allow-root directory, or give the workers one that covers it");
}

void check_paths(const Task& task, const std::vector<std::string>& roots) {
  for (const auto& input : task.inputs) check_path(input, "input", roots);
  check_path(task.output, "output", roots);
}

}  // namespace swath::queue
