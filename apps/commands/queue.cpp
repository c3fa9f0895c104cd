// `swath queue stats|dead`: what a queue holds (JSON contract swath.queue.stats/1, Prometheus) and its dead letters.
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "commands/queue_flags.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "log/logger.hpp"
#include "queue/admin.hpp"
#include "queue/stats.hpp"

namespace swath::commands {

namespace {

std::string dead_text(const std::vector<queue::DeadTask>& dead) {
  std::string out;
  for (const auto& d : dead) {
    out += d.id + "  failures " + std::to_string(d.failures) + "  " + d.error + "\n";
  }
  return out.empty() ? "no dead tasks\n" : out;
}

core::Json dead_json(const std::string& queue_name, const std::vector<queue::DeadTask>& dead) {
  core::Json tasks = core::Json::array();
  for (const auto& d : dead) {
    core::Json t = core::Json::object();
    t.set("id", d.id);
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

std::string never_used(queue::Connection& connection, const std::string& name) {
  const auto known = queue::seen_queues(connection);
  return "queue '" + name + "' has never been used on this server (nothing was enqueued on it); " +
         (known.empty() ? std::string("it holds no swath queue") : "queues it holds: " + core::join(known, ", "));
}

class QueueCommand final : public cli::Command {
 public:
  std::string name() const override { return "queue"; }
  std::string summary() const override { return "Inspect a queue: stats (JSON, Prometheus) and dead letters"; }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app.require_subcommand(1, 1);
    stats_ = app.add_subcommand("stats", "Depth by priority, in flight, delayed, dead, done, throughput, p50/p95");
    declare_queue_flags(*stats_, flags);
    auto* format = stats_->add_option_group("format");
    format->add_flag("--json", json_, "Print swath.queue.stats/1 JSON");
    format->add_flag("--prometheus", prometheus_, "Print Prometheus text exposition");
    format->require_option(0, 1);
    stats_->add_option("--window", window_, "Seconds of history for throughput and task times")->capture_default_str();
    dead_ = app.add_subcommand("dead", "The dead-letter list: list, retry or purge");
    dead_->require_subcommand(1, 1);
    list_ = dead_->add_subcommand("list", "Show dead tasks with their errors");
    list_->add_option("--limit", limit_, "Show at most this many")->capture_default_str();
    list_->add_flag("--json", json_, "Print JSON");
    retry_ = dead_->add_subcommand("retry", "Queue dead tasks again (named ids, or --all)");
    purge_ = dead_->add_subcommand("purge", "Delete dead tasks (named ids, or --all)");
    for (auto* sub : {list_, retry_, purge_}) declare_queue_flags(*sub, flags);
    for (auto* sub : {retry_, purge_}) {
      sub->add_option("ids", ids_, "Task ids");
      sub->add_flag("--all", all_, "Every dead task");
    }
  }
  int run(const cli::Invocation& invocation) override {
    const auto settings = queue_settings(invocation.config);
    queue::Connection connection(settings.endpoint(), {.client_name = "swath-queue"});
    for (const auto& warning : connection.check_durability(settings.allow_eviction)) {
      log::get("queue")->warn("{}", warning);
    }
    queue::QueueClient client(connection, settings.name);
    if (stats_->parsed()) {
      const auto stats = queue::read_stats(client, window_);
      // Still exit 0 (a queue nobody has enqueued on yet reads zeros, for KEDA and scripts), but said.
      const std::string unseen = stats.exists ? "" : never_used(connection, stats.queue);
      if (!unseen.empty() && (json_ || prometheus_)) log::get("queue")->warn("{}", unseen);
      cli::emit(prometheus_ ? queue::stats_prometheus(stats)
                : json_     ? queue::stats_json(stats).dump() + "\n"
                            : queue::stats_text(stats) + (unseen.empty() ? "" : "  note: " + unseen + "\n"));
    } else if (list_->parsed()) {
      const auto dead = client.dead_list(0, limit_ - 1);
      cli::emit(json_ ? dead_json(client.keys().name, dead).dump() + "\n" : dead_text(dead));
    } else {
      if (ids_.empty() == !all_) {
        throw core::UsageError("name the dead task ids or give --all", "", "swath queue dead list shows them");
      }
      const bool retry = retry_->parsed();
      // Refused whole: a typo would otherwise read "queued again 0" and look done.
      if (const auto unknown = queue::not_dead(connection, client.keys(), ids_); !unknown.empty()) {
        throw core::UsageError(core::join(unknown, ", "), "not dead tasks of queue '" + client.keys().name + "'; nothing was " +
                                                              (retry ? "queued again" : "purged"),
                               "swath queue dead list shows the dead tasks");
      }
      const auto n = retry ? client.dead_retry(ids_) : client.dead_purge(ids_);
      cli::emit(std::string(retry ? "queued again " : "purged ") + std::to_string(n) + " dead tasks\n");
    }
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  CLI::App *stats_ = nullptr, *dead_ = nullptr, *list_ = nullptr, *retry_ = nullptr, *purge_ = nullptr;
  bool json_ = false, prometheus_ = false, all_ = false;
  std::int64_t window_ = 300, limit_ = 100;
  std::vector<std::string> ids_;
};

}  // namespace

std::unique_ptr<cli::Command> make_queue() { return std::make_unique<QueueCommand>(); }

}  // namespace swath::commands
