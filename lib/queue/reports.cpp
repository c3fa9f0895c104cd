// Job and dead-letter reports: what a queue keeps, as JSON and text.
#include "queue/reports.hpp"

#include <cmath>
#include <ctime>
#include <sstream>

#include "core/json_lines.hpp"
#include "log/trace_context.hpp"

namespace swath::queue {

namespace {

double throughput(const JobInfo& job) {
  const double span = static_cast<double>(job.last_done_ms - job.first_done_ms) / 1000.0;
  if (job.done <= 1 || span <= 0) return 0;
  return static_cast<double>(job.done - 1) / span;
}

std::string trace_id(const JobInfo& job) {
  const auto* tp = job.meta.find("traceparent");
  std::string why;
  const auto trace = tp != nullptr && tp->is_string() ? log::parse_traceparent(tp->as_string(), why) : std::nullopt;
  return trace ? trace->trace_id : "";
}

// Milliseconds (Redis TIME) the job's latest enqueue recorded, or null.
core::Json time_field(const JobInfo& job, const char* key) {
  const auto* v = job.meta.find(key);
  return v != nullptr && v->is_int() ? *v : core::Json();
}

std::string utc_text(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// A held task (a pyramid's merge) runs once every other task of its job is finished and none is dead.
std::string held_why(const JobInfo& job) {
  const auto others = job.unfinished - job.held;
  std::string why = std::to_string(job.held) + " task(s) waiting for the job's " +
                    std::to_string(job.tasks - job.held) + " other task(s) to finish (" + std::to_string(others) +
                    " unfinished, " + std::to_string(job.dead) + " dead)";
  if (job.dead > 0) why += "; `swath queue dead retry` the dead ones to release it";
  return why;
}

}  // namespace

core::Json to_json(const JobInfo& job) {
  const double rate = throughput(job);
  core::Json j = core::Json::object();
  j.set("schema", "swath.queue.job/1");
  j.set("id", job.id);
  j.set("kind", core::string_field(job.meta, "kind"));
  j.set("output", core::string_field(job.meta, "output"));
  j.set("priority", core::string_field(job.meta, "priority"));
  j.set("trace_id", trace_id(job));
  j.set("created", job.created_ms);
  j.set("enqueued_at", time_field(job, "enqueued_at"));  // the latest enqueue's, with its deadline
  j.set("deadline", time_field(job, "deadline"));
  j.set("tasks", job.tasks);
  j.set("waiting", job.waiting());
  j.set("running", job.running);
  j.set("finishing", job.finishing);
  j.set("done", job.done);
  j.set("dead", job.dead);
  if (job.held > 0) {
    j.set("held", job.held);
    j.set("held_why", held_why(job));
  }
  j.set("throughput_per_second", std::round(rate * 1000.0) / 1000.0);
  j.set("eta_seconds", rate > 0 ? core::Json(std::round(static_cast<double>(job.unfinished) / rate)) : core::Json());
  if (const auto* options = job.meta.find("options")) j.set("options", *options);
  return j;
}

std::string to_text(const std::vector<JobInfo>& jobs) {
  if (jobs.empty()) return "no jobs\n";
  std::ostringstream out;
  // `done` counts committed tasks, the ones whose files are still being moved into place (`finishing`) included.
  out << "job            kind      tasks   waiting  running     done  finishing     dead  tasks/s      eta  trace\n";
  for (const auto& job : jobs) {
    const double rate = throughput(job);
    char line[256];
    std::snprintf(
        line, sizeof line, "%-14s %-8s %6lld %9lld %8lld %8lld %10lld %8lld %8.2f %8s  %s\n", job.id.c_str(),
        core::string_field(job.meta, "kind").c_str(), static_cast<long long>(job.tasks),
        static_cast<long long>(job.waiting()), static_cast<long long>(job.running), static_cast<long long>(job.done),
        static_cast<long long>(job.finishing), static_cast<long long>(job.dead), rate,
        rate > 0 ? (std::to_string(std::llround(static_cast<double>(job.unfinished) / rate)) + "s").c_str() : "-",
        trace_id(job).c_str());
    out << line;
    if (job.held > 0) out << "  held: " << held_why(job) << "\n";
  }
  return out.str();
}

std::string to_text(const JobInfo& job, const core::Json& options) {
  const double rate = throughput(job);
  const auto* grid = job.meta.find("options") != nullptr ? job.meta.at("options").find("grid") : nullptr;
  const bool pyramid = grid != nullptr && *grid == core::Json("xyz");
  std::ostringstream out;
  out << "job " << job.id << "\n";
  out << "  kind: " << core::string_field(job.meta, "kind") << (pyramid ? " (xyz pyramid)" : "") << "\n";
  out << "  output: " << core::string_field(job.meta, "output") << "\n";
  out << "  priority: " << core::string_field(job.meta, "priority") << "\n";
  if (const auto deadline = time_field(job, "deadline"); deadline.is_int())
    out << "  deadline: " << utc_text(deadline.as_int()) << " (tasks not started by then expire)\n";
  out << "  tasks: " << job.tasks << " (" << job.waiting() << " waiting, " << job.running << " running, "
      << job.finishing << " finishing, " << job.done << " done, " << job.dead << " dead)\n";
  if (job.held > 0) out << "  held: " << held_why(job) << "\n";
  char rate_text[64];
  std::snprintf(rate_text, sizeof rate_text, "%.2f tasks/s", rate);
  out << "  rate: " << rate_text;
  if (rate > 0) out << ", eta " << std::llround(static_cast<double>(job.unfinished) / rate) << "s";
  out << "\n";
  if (const std::string trace = trace_id(job); !trace.empty()) out << "  trace: " << trace << "\n";
  const bool none = !options.is_object() || options.as_object().empty();
  out << "  options:" << (none ? " none\n" : "\n");
  if (!none) {
    for (const auto& [key, value] : options.as_object()) {
      // An empty string is an option left to its default (e.g. a pyramid's zooms: the scene's own).
      const std::string shown = value.is_string() ? value.as_string() : value.dump();
      out << "    " << key << ": " << (shown.empty() ? "(default)" : shown) << "\n";
    }
  }
  return out.str();
}

core::Json to_json(const std::vector<DeadTask>& dead, const std::string& queue_name) {
  core::Json tasks = core::Json::array();
  for (const auto& d : dead) {
    core::Json t = core::Json::object();
    t.set("id", d.id.substr(d.id.find(':') + 1));
    t.set("job", d.id.substr(0, d.id.find(':')));
    t.set("error", d.error);
    t.set("failures", d.failures);
    t.set("attempt", d.attempt);
    t.set("dead_at", d.dead_at_ms);
    t.set("envelope", d.envelope);
    tasks.push_back(std::move(t));
  }
  core::Json json = core::Json::object();
  json.set("schema", "swath.queue.dead/1");
  json.set("queue", queue_name);
  json.set("tasks", std::move(tasks));
  return json;
}

std::string to_text(const std::vector<DeadTask>& dead) {
  std::string out;
  for (const auto& d : dead) {
    out += d.id.substr(d.id.find(':') + 1) + "  failures " + std::to_string(d.failures) + "  " + d.error + "\n";
  }
  return out.empty() ? "no dead tasks\n" : out;
}

}  // namespace swath::queue
