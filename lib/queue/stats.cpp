// Stats: one consistent snapshot from Redis, then pure formatting (JSON contract, text, Prometheus).
#include "queue/stats.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>
#include <sstream>

#include "core/cancel.hpp"
#include "log/logger.hpp"
#include "queue/admin.hpp"

namespace swath::queue {

namespace {

// Workers renew at least every 10 s; one missing three heartbeats is gone.
constexpr std::int64_t alive_ms = 30000;

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const auto upper = std::min(lower + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(lower);
  return values[lower] + (values[upper] - values[lower]) * fraction;
}

QueueStats read_stats(QueueClient& client, std::int64_t window_seconds) {
  const Value reply = client.raw_stats(window_seconds * 1000, alive_ms);
  const auto& v = reply.as_array();
  QueueStats s;
  s.queue = client.keys().name;
  s.window_seconds = window_seconds;
  const std::int64_t now = v.at(0).as_int();
  s.backlog = v.at(1).as_int();
  s.depth = s.backlog + v.at(2).as_int();
  s.high = v.at(3).as_int();
  s.normal = v.at(4).as_int();
  s.low = v.at(5).as_int();
  s.in_flight = v.at(6).as_int();
  s.delayed = v.at(7).as_int();
  s.dead = v.at(8).as_int();
  s.done = v.at(9).as_int();
  s.workers = v.at(10).as_int();
  s.finishing = v.at(13).as_int();
  s.unfinished = v.at(14).as_int();
  s.jobs = v.at(15).as_int();
  const auto& by_then = v.at(16).as_array();
  for (std::size_t i = 0; i + 1 < by_then.size(); i += 2)
    s.deadlines.push_back({by_then[i].as_int(), by_then[i + 1].as_int()});
  s.now_ms = now;
  std::vector<double> seconds;
  for (const auto& sample : v.at(11).as_array()) seconds.push_back(std::stod(sample.as_string()));
  s.task_count = static_cast<std::int64_t>(seconds.size());
  s.p50 = round3(quantile(seconds, 0.5));
  s.p95 = round3(quantile(seconds, 0.95));
  // Throughput from 10-second buckets inside the window (the durations list is capped, buckets are not).
  const auto& buckets = v.at(12).as_array();
  const std::int64_t first_bucket = (now - window_seconds * 1000) / 10000;
  std::int64_t finished = 0;
  for (std::size_t i = 0; i + 1 < buckets.size(); i += 2) {
    if (std::stoll(buckets[i].as_string()) > first_bucket) finished += std::stoll(buckets[i + 1].as_string());
  }
  s.throughput_per_second =
      round3(static_cast<double>(finished) / static_cast<double>(std::max<std::int64_t>(1, window_seconds)));
  s.exists = queue_seen(client.connection(), client.keys());
  return s;
}

core::Json to_json(const QueueStats& s) {
  core::Json json = core::Json::object();
  json.set("schema", "swath.queue.stats/1");
  json.set("queue", s.queue);
  json.set("depth", s.depth);
  core::Json by = core::Json::object();
  by.set("high", s.high);
  by.set("normal", s.normal);
  by.set("low", s.low);
  json.set("depth_by_priority", std::move(by));
  json.set("in_flight", s.in_flight);
  json.set("delayed", s.delayed);
  json.set("dead", s.dead);
  json.set("done", s.done);
  json.set("backlog", s.backlog);
  json.set("finishing", s.finishing);
  json.set("unfinished", s.unfinished);
  json.set("workers", s.workers);
  json.set("throughput_per_second", s.throughput_per_second);
  core::Json times = core::Json::object();
  times.set("p50", s.p50);
  times.set("p95", s.p95);
  times.set("count", s.task_count);
  json.set("task_seconds", std::move(times));
  json.set("window_seconds", s.window_seconds);
  json.set("exists", s.exists);
  json.set("jobs", s.jobs);
  const auto seconds_left = [&](const QueueStats::DueBy& due) {
    return round3(static_cast<double>(due.deadline_ms - s.now_ms) / 1000);
  };
  const auto* earliest = s.deadlines.empty() ? nullptr : &s.deadlines.front();
  json.set("earliest_deadline", earliest != nullptr ? core::Json(earliest->deadline_ms) : core::Json());
  json.set("seconds_to_earliest_deadline", earliest != nullptr ? core::Json(seconds_left(*earliest)) : core::Json());
  json.set("deadline_unfinished", earliest != nullptr ? earliest->to_start : 0);
  core::Json deadlines = core::Json::array();
  for (const auto& due : s.deadlines) {
    deadlines.push_back(core::Json::Object{
        {"deadline", due.deadline_ms}, {"seconds_left", seconds_left(due)}, {"to_start", due.to_start}});
  }
  json.set("deadlines", std::move(deadlines));
  return json;
}

std::string to_text(const QueueStats& s) {
  std::ostringstream out;
  out << "queue " << s.queue << "\n"
      << "  ready      " << s.depth << " (high " << s.high << ", normal " << s.normal << ", low " << s.low << ")\n"
      << "  backlog    " << s.backlog << " (LLEN swath:{" << s.queue << "}:ready)\n"
      << "  in flight  " << s.in_flight << "\n"
      << "  finishing  " << s.finishing << " (committed, files not yet in place)\n"
      << "  unfinished " << s.unfinished << " (LLEN swath:{" << s.queue << "}:unfinished, the KEDA signal)\n"
      << "  delayed    " << s.delayed << "\n"
      << "  dead       " << s.dead << "\n"
      << "  done       " << s.done << "\n"
      << "  workers    " << s.workers << "\n"
      << "  throughput " << s.throughput_per_second << " tasks/s over " << s.window_seconds << " s\n"
      << "  task time  p50 " << s.p50 << " s, p95 " << s.p95 << " s (" << s.task_count << " tasks)\n";
  // Job deadlines: tasks not started by then expire. The first few; --json lists them all.
  for (std::size_t i = 0; i < s.deadlines.size() && i < 3; ++i) {
    const auto& due = s.deadlines[i];
    out << (i == 0 ? "  deadline   in " : "             in ") << (due.deadline_ms - s.now_ms + 999) / 1000
        << " s: " << due.to_start << " task(s) to start by then"
        << (i == 0 ? " (job deadlines: tasks not started by then expire)" : "") << "\n";
  }
  if (s.deadlines.size() > 3) out << "             and " << s.deadlines.size() - 3 << " later deadline(s)\n";
  return out.str();
}

std::string stats_prometheus(const QueueStats& s) {
  std::ostringstream out;
  const std::string label = "{queue=\"" + s.queue + "\"";
  auto gauge = [&](const char* name, const char* help, double value, const std::string& extra = "") {
    out << "# HELP swath_queue_" << name << " " << help << "\n# TYPE swath_queue_" << name << " gauge\n"
        << "swath_queue_" << name << label << extra << "} " << value << "\n";
  };
  out << "# HELP swath_queue_depth Tasks ready to run, by priority\n# TYPE swath_queue_depth gauge\n";
  for (const auto& [p, n] : {std::pair{"high", s.high}, std::pair{"normal", s.normal}, std::pair{"low", s.low}}) {
    out << "swath_queue_depth" << label << ",priority=\"" << p << "\"} " << n << "\n";
  }
  gauge("backlog", "Length of the ready list", static_cast<double>(s.backlog));
  gauge("in_flight", "Tasks leased by workers", static_cast<double>(s.in_flight));
  gauge("finishing", "Tasks committed whose files are not yet in place", static_cast<double>(s.finishing));
  gauge("unfinished", "Tasks not finished: waiting, running, retrying or finishing (the KEDA scaling signal)",
        static_cast<double>(s.unfinished));
  gauge("delayed", "Tasks waiting to be retried", static_cast<double>(s.delayed));
  gauge("dead", "Tasks in the dead-letter list", static_cast<double>(s.dead));
  out << "# HELP swath_queue_done_total Tasks committed\n# TYPE swath_queue_done_total counter\n"
      << "swath_queue_done_total" << label << "} " << s.done << "\n";
  gauge("workers", "Workers seen alive (heartbeat within 30 s)", static_cast<double>(s.workers));
  gauge("throughput_per_second", "Tasks committed per second over the window", s.throughput_per_second);
  gauge("task_seconds", "Task time quantiles over the window", s.p50, ",quantile=\"0.5\"");
  out << "swath_queue_task_seconds" << label << ",quantile=\"0.95\"} " << s.p95 << "\n";
  return out.str();
}

core::Json fetch_stats_json(const RedisEndpoint& endpoint, const std::string& queue_name, bool allow_eviction,
                            std::int64_t window_seconds) {
  // Ctrl-C while Redis loads, or hangs, ends the wait.
  Connection connection(
      endpoint,
      {.client_name = "swath-stats", .give_up = core::cancel_requested, .abandon_reply = core::cancel_requested});
  connection.check_durability(allow_eviction);
  check_layout(connection, Keys(queue_name));
  QueueClient client(connection, queue_name);
  const auto stats = read_stats(client, window_seconds);
  // A mistyped --queue reads as an empty queue: a controller would scale the workers of the real one to zero.
  // Said once per queue and process (a controller asks every interval).
  static std::mutex mutex;
  static std::set<std::string> said;
  if (!stats.exists) {
    const std::lock_guard lock(mutex);
    if (said.insert(endpoint.describe() + " " + queue_name).second)
      log::get("queue")->warn("{}", never_used_note(connection, queue_name));
  }
  return to_json(stats);
}

}  // namespace swath::queue
