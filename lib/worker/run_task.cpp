// Running one task in an executor thread: every log line carries its trace_id, task_id and attempt.
#include "worker/run_task.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "log/logger.hpp"
#include "log/trace_context.hpp"
#include "raster/fingerprint.hpp"
#include "worker/settle.hpp"
#include "worker/usage.hpp"

namespace swath::worker {

namespace {

namespace fs = std::filesystem;

log::Context task_context(const queue::Leased& lease, const std::string& traceparent) {
  std::string why;
  std::vector<log::Field> fields{{"task_id", lease.id}, {"attempt", lease.attempt}};
  if (const auto trace = log::parse_traceparent(traceparent, why)) {
    fields.emplace_back("trace_id", trace->trace_id);
    fields.emplace_back("span_id", trace->span_id);
  }
  return log::current().with(fields);
}

TaskHandler& handler_for(const HandlerRegistry& registry, const std::string& kind) {
  if (auto* handler = registry.find(kind)) return *handler;
  const auto suggestion = core::closest_match(kind, registry.kinds());
  throw core::DataError("malformed task", "unknown task kind '" + kind + "'",
                        suggestion ? "did you mean '" + *suggestion + "'?" : "known kinds: tile, detect, checksum, noop");
}

std::vector<OutputFile> hash_outputs(const std::string& staging, const HandlerResult& result) {
  std::vector<OutputFile> files;
  for (const auto& name : result.outputs) {
    check_output_name(name);
    if (const auto known = result.hashed.find(name); known != result.hashed.end()) {
      files.push_back(known->second);
      continue;
    }
    const std::string path = staging + "/" + name;
    files.push_back({name, raster::sha256_file_hex(path), static_cast<std::uint64_t>(fs::file_size(path))});
  }
  return files;
}

}  // namespace

std::string staging_dir_for(const std::string& output, const std::string& id, const std::string& token) {
  return output + "/.swath-staging/" + id + "." + token;
}

core::Json outputs_json(const Outcome& outcome) {
  core::Json files = core::Json::object();
  for (const auto& f : outcome.files) files.set(f.name, f.sha256);
  core::Json json = core::Json::object();
  json.set("staging", outcome.staging_dir);
  json.set("dir", outcome.output_dir);
  json.set("files", std::move(files));
  return json;
}

Outcome TaskRunner::operator()(const Job& job) const {
  struct Unwatch {
    Watchdog& watchdog;
    const std::string& id;
    ~Unwatch() { watchdog.end(id); }
  } unwatch{watchdog, job.lease.id};
  Outcome outcome;
  outcome.lease = job.lease;
  outcome.context = task_context(job.lease, "");
  log::ContextGuard guard(outcome.context);
  const auto logger = log::get("worker");
  ResourceMeter meter;
  try {
    queue::Task task = queue::parse_task(job.lease.envelope);
    task.attempt = job.lease.attempt;
    outcome.context = task_context(job.lease, task.traceparent);
    log::ContextGuard task_guard(outcome.context);
    if (task.id != job.lease.id) throw core::DataError("malformed task", "envelope id '" + task.id + "' is not its key's");
    auto& handler = handler_for(registry, task.kind);
    watchdog.start(task.id, timeout_ms > 0 ? timeout_ms : handler.default_timeout_ms());
    queue::check_paths(task, allow_roots);
    for (const auto& read : handler.reads(task)) queue::check_path(read.path, read.role, allow_roots);
    if (task.deadline_ms && job.leased_at_ms > *task.deadline_ms) {
      throw core::DataError("task expired", "its deadline passed before a worker took it", "enqueue it again");
    }
    outcome.output_dir = task.output;
    HandlerContext context;
    if (handler.writes_outputs()) {
      outcome.staging_dir = staging_dir_for(task.output, task.id, job.lease.token);
      core::ensure_writable_directory(outcome.staging_dir);
      context.staging_dir = outcome.staging_dir;
    }
    const std::string id = task.id;
    context.stop_requested = [this, id] { return stop_requested(id); };
    context.check_read = [this](const std::string& role, const std::string& path) {
      queue::check_path(path, role, allow_roots);
    };
    logger->debug("running {} task", task.kind);
    const HandlerResult result = handler.run(task, context);
    outcome.files = hash_outputs(outcome.staging_dir, result);
    std::uint64_t written = 0;
    for (const auto& f : outcome.files) written += f.bytes;
    outcome.seconds = meter.seconds();
    outcome.record.set("worker", worker_id);
    outcome.record.set("attempt", job.lease.attempt);
    outcome.record.set("seconds", outcome.seconds);
    outcome.record.set("cpu_seconds", meter.cpu_seconds());
    outcome.record.set("peak_rss_bytes", ResourceMeter::peak_rss_bytes());
    outcome.record.set("bytes_read", result.bytes_read);
    outcome.record.set("bytes_written", written);
    outcome.ok = true;
  } catch (...) {
    outcome.failure = classify(std::current_exception());
    outcome.seconds = meter.seconds();
    discard_staging(outcome.staging_dir);
  }
  return outcome;
}

}  // namespace swath::worker
