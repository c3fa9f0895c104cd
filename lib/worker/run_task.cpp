// Running one task in an executor thread: every log line carries its trace_id, task_id and attempt.
#include "worker/run_task.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "log/logger.hpp"
#include "log/trace_context.hpp"
#include "raster/fingerprint.hpp"
#include "worker/done_record.hpp"
#include "worker/settle.hpp"
#include "worker/usage.hpp"

namespace swath::worker {

namespace {

namespace fs = std::filesystem;

TaskHandler& handler_for(const HandlerRegistry& registry, const std::string& kind) {
  if (auto* handler = registry.find(kind)) return *handler;
  const auto suggestion = core::closest_match(kind, registry.kinds());
  throw core::DataError(
      "malformed task", "unknown task kind '" + kind + "'",
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

// The done record is one of the task's outputs: staged (a full disk fails the task before its commit), hashed,
// committed and moved into place with the others.
OutputFile stage_done_record(const Outcome& outcome, const queue::Task& task) {
  const std::string name = done_record_name(task.job, task.id);
  const std::string text = outcome.record.dump() + "\n";
  core::ensure_writable_directory(fs::path(outcome.staging_dir + "/" + name).parent_path().string());
  core::write_file_atomic(outcome.staging_dir + "/" + name, text, core::Durability::rename_only);
  return {name, core::sha256_hex(text), text.size()};
}

}  // namespace

Job leased_job(queue::Leased lease, std::int64_t leased_at_ms) {
  Job job{std::move(lease), leased_at_ms, std::nullopt, {}};
  job.context = log::current().with(
      {{"task_id", job.lease.task_id()}, {"job_id", job.lease.job()}, {"attempt", job.lease.attempt}});
  try {
    job.task = queue::parse_task(job.lease.envelope);
  } catch (const core::Error&) {
    return job;  // the runner refuses the envelope, under this context
  }
  const std::string& traceparent = job.task->traceparent;
  if (traceparent.empty()) return job;
  std::string why;
  if (const auto trace = log::parse_traceparent(traceparent, why)) {
    job.context = job.context.with(log::trace_fields(trace->child()));
    return job;
  }
  const log::ContextGuard guard(job.context);
  log::get("worker")->warn("the task's traceparent '{}' is malformed ({}): its lines carry the worker's trace",
                           traceparent, why);
  return job;
}

std::string staging_dir_for(const std::string& output, const std::string& id, const std::string& token) {
  return output + "/.swath-staging/" + id + "." + token;
}

namespace {

// Another worker's discard_staging removes .swath-staging once no attempt uses it: a create racing that removal
// meets a parent gone between its two mkdirs (ENOENT) and is tried again, not counted as a failed attempt.
void create_staging_dir(const std::string& staging) {
  for (int tries = 1;; ++tries) {
    try {
      core::ensure_writable_directory(staging);
      return;
    } catch (const core::IoError&) {
      std::error_code ec;
      if (tries == 5 || !fs::is_directory(fs::path(staging).parent_path().parent_path(), ec)) throw;
    }
  }
}

}  // namespace

core::Json outputs_json(const Outcome& outcome) {
  core::Json files = core::Json::object();
  for (const auto& f : outcome.files) files.set(f.name, f.sha256);
  core::Json json = core::Json::object();
  json.set("staging", outcome.staging_dir);
  json.set("dir", outcome.output_dir);
  json.set("files", std::move(files));
  if (!outcome.stale.empty()) {
    core::Json stale = core::Json::object();
    for (const auto& [name, bytes] : outcome.stale) stale.set(name, static_cast<std::int64_t>(bytes));
    json.set("stale", std::move(stale));
    json.set("stale_guard", outcome.stale_guard);
  }
  // Whichever worker moves the files into place (finish_orphans) logs under the task's trace.
  if (const auto trace = log::trace_of(outcome.context)) json.set("traceparent", trace->traceparent());
  return json;
}

Outcome TaskRunner::operator()(const Job& job) const {
  struct Unwatch {
    Watchdog& watchdog;
    const std::string key;
    ~Unwatch() { watchdog.end(key); }
  } unwatch{watchdog, attempt_key(job.lease)};
  Outcome outcome;
  outcome.lease = job.lease;
  outcome.context = job.context;
  log::ContextGuard guard(outcome.context);
  const auto logger = log::get("worker");
  ResourceMeter meter;
  try {
    // A Job without a task is an envelope that does not parse: parsed again here to refuse it with its reason.
    queue::Task task = job.task ? *job.task : queue::parse_task(job.lease.envelope);
    task.attempt = job.lease.attempt;
    if (task.id != job.lease.task_id() || task.job != job.lease.job()) {
      throw core::DataError("malformed task", "envelope id '" + task.job + ":" + task.id + "' is not its key's");
    }
    auto& handler = handler_for(registry, task.kind);
    watchdog.start(unwatch.key, timeout_ms > 0 ? timeout_ms : handler.default_timeout_ms());
    queue::check_paths(task, allow_roots);
    for (const auto& read : handler.reads(task)) queue::check_path(read.path, read.role, allow_roots);
    if (task.deadline_ms && job.leased_at_ms > *task.deadline_ms) {
      throw core::DataError("task expired", "its deadline passed before a worker took it",
                            "enqueue it again with --force and a later --deadline, or none");
    }
    outcome.output_dir = task.output;
    HandlerContext context;
    if (handler.writes_outputs()) {
      outcome.staging_dir = staging_dir_for(task.output, task.id, job.lease.token);
      create_staging_dir(outcome.staging_dir);
      context.staging_dir = outcome.staging_dir;
    }
    context.stop_requested = [this, lease = job.lease] { return stop_requested(lease); };
    context.check_read = [this](const std::string& role, const std::string& path) {
      queue::check_path(path, role, allow_roots);
    };
    logger->debug("running {} task", task.kind);
    const HandlerResult result = handler.run(task, context);
    outcome.files = hash_outputs(outcome.staging_dir, result);
    outcome.stale = result.stale;
    outcome.stale_guard = result.stale_guard;
    std::uint64_t written = 0;
    for (const auto& f : outcome.files) written += f.bytes;
    outcome.seconds = meter.seconds();
    outcome.record.set("schema", "swath.done/1");
    outcome.record.set("task", task.id);
    outcome.record.set("job", task.job);
    outcome.record.set("kind", task.kind);
    outcome.record.set("inputs", core::Json::Array(task.inputs.begin(), task.inputs.end()));
    core::Json outputs = core::Json::object();
    for (const auto& f : outcome.files) {
      outputs.set(f.name, core::Json::Object{{"sha256", f.sha256}, {"bytes", static_cast<std::int64_t>(f.bytes)}});
    }
    outcome.record.set("outputs", std::move(outputs));
    outcome.record.set("worker", worker_id);
    outcome.record.set("attempt", job.lease.attempt);
    outcome.record.set("token", job.lease.token);  // the fencing token the commit is made under
    outcome.record.set("seconds", outcome.seconds);
    outcome.record.set("cpu_seconds", meter.cpu_seconds());
    outcome.record.set("peak_rss_bytes", ResourceMeter::peak_rss_bytes());
    // Tile and detect read through GDAL, which counts nothing: null there rather than a 0 that looks measured.
    outcome.record.set("bytes_read", result.bytes_read ? core::Json(*result.bytes_read) : core::Json());
    outcome.record.set("bytes_written", written);
    if (!outcome.staging_dir.empty()) outcome.files.push_back(stage_done_record(outcome, task));
    outcome.ok = true;
  } catch (...) {
    outcome.failure = classify(std::current_exception());
    outcome.seconds = meter.seconds();
    discard_staging(outcome.staging_dir);
  }
  return outcome;
}

}  // namespace swath::worker
