// `swath queue stats|jobs|job|dead|migrate`: what a queue holds (swath.queue.stats/1, Prometheus), its jobs, its dead
// letters; migrate lays out new jobs in record buckets.
#include <set>

#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "commands/queue_flags.hpp"
#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "fleet/handlers.hpp"
#include "fleet/options.hpp"
#include "log/logger.hpp"
#include "queue/admin.hpp"
#include "queue/reports.hpp"
#include "queue/stats.hpp"

namespace swath::commands {

namespace {

class QueueCommand final : public cli::Command {
 public:
  std::string name() const override { return "queue"; }
  std::string summary() const override {
    return "Inspect a queue: stats (JSON, Prometheus), jobs and dead letters; migrate it";
  }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app.require_subcommand(1, 1);
    stats_ = app.add_subcommand("stats", "Depth by priority, in flight, delayed, dead, done, throughput, p50/p95");
    declare_queue_flags(*stats_, flags);
    auto* format = stats_->add_option_group("format");
    format->add_flag("--json", json_, "Print swath.queue.stats/1 JSON");
    format->add_flag("--prometheus", prometheus_, "Print Prometheus text exposition");
    format->require_option(0, 1);
    stats_->add_option("--window", window_, "Seconds of history for throughput and task times")
        ->capture_default_str()
        ->transform(cli::at_least(1));
    jobs_ = app.add_subcommand("jobs", "Every job: tasks waiting, running, done, dead; throughput, ETA, trace id");
    jobs_->add_flag("--json", json_, "Print one swath.queue.job/1 object per line");
    job_ = app.add_subcommand("job", "One job: its counts and options; --records prints its done records");
    job_->add_option("id", job_id_, "Job id (`swath enqueue` prints it; `swath queue jobs` lists them)");
    job_->add_flag("--json", json_, "Print its swath.queue.job/1 object, with every option it records");
    job_->add_flag("--records", records_, "Print the done records written beside its outputs, one JSON line per task");
    for (auto* sub : {jobs_, job_}) declare_queue_flags(*sub, flags);
    migrate_ = app.add_subcommand("migrate",
                                  "Spread new jobs' task records over small hashes (every worker must run "
                                  "this swath or newer: docs/queue.md, Upgrades)");
    declare_queue_flags(*migrate_, flags);
    migrate_->add_flag(
        "--json", json_,
        R"(Print {"schema":"swath.queue.migrate/1", "queue", "layout", "bucketed", "already_migrated", "never_used"})");
    dead_ = app.add_subcommand("dead", "The dead-letter list: list, retry or purge");
    dead_->require_subcommand(1, 1);
    list_ = dead_->add_subcommand("list", "Show dead tasks with their errors");
    list_->add_option("--limit", limit_, "Show at most this many")->capture_default_str()->transform(cli::at_least(1));
    list_->add_flag("--json", json_, "Print JSON");
    retry_ = dead_->add_subcommand("retry", "Queue dead tasks again (named ids, or --all)");
    purge_ = dead_->add_subcommand("purge", "Delete dead tasks (named ids, or --all)");
    for (auto* sub : {list_, retry_, purge_}) declare_queue_flags(*sub, flags);
    for (auto* sub : {retry_, purge_}) {
      sub->add_option("ids", ids_, "Task ids");
      sub->add_flag("--all", all_, "Every dead task");
      sub->add_flag(
          "--json", json_,
          R"(Print {"schema":"swath.queue.dead_action/1", "queue", "action", "tasks", "stayed_dead"}: how many tasks it took (retry: and left dead: past their deadline, or their records lost))");
    }
  }
  int run(const cli::Invocation& invocation) override {
    if (job_->parsed() && job_id_.empty()) {  // before connecting: nothing to ask Redis
      throw core::UsageError("queue job", "no job id given",
                             "swath queue job ID; `swath queue jobs` lists the ids (`swath enqueue` prints its own)");
    }
    const auto settings = queue_settings(invocation.config);
    // Ctrl-C ends a wait for a Redis still loading its data (exit 130), not 60 s later, or for a hung one's reply.
    // A change whose reply was not awaited may have been made all the same.
    const bool changes = retry_->parsed() || purge_->parsed() || migrate_->parsed();
    queue::Connection connection(
        settings.endpoint(),
        {.client_name = "swath-queue",
         .give_up = core::cancel_requested,
         .stop_consequence = changes ? "what it asked for may have been done: `swath queue dead list` and `swath queue "
                                       "stats` show the queue"
                                     : "",
         .abandon_reply = core::cancel_requested});
    for (const auto& warning : connection.check_durability(settings.allow_eviction)) {
      log::get("queue")->warn("{}", warning);
    }
    queue::QueueClient client(connection, settings.name);
    queue::check_layout(connection, client.keys());
    if (jobs_->parsed() || job_->parsed()) return jobs(client);
    if (migrate_->parsed()) return migrate(connection, client.keys());
    if (stats_->parsed()) {
      const auto stats = queue::read_stats(client, window_);
      // Still exit 0 (a queue nobody has enqueued on yet reads zeros, for KEDA and scripts), but said.
      const std::string unseen = stats.exists ? "" : queue::never_used_note(connection, stats.queue);
      if (!unseen.empty() && (json_ || prometheus_)) log::get("queue")->warn("{}", unseen);
      cli::emit(prometheus_ ? queue::stats_prometheus(stats)
                : json_     ? queue::to_json(stats).dump() + "\n"
                            : queue::to_text(stats) + (unseen.empty() ? "" : "  note: " + unseen + "\n"));
    } else if (list_->parsed()) {
      const auto dead = client.dead_list(0, limit_ - 1);
      warn_if_never_used(client, dead.empty());
      cli::emit(json_ ? queue::to_json(dead, client.keys().name).dump() + "\n" : queue::to_text(dead));
    } else {
      if (!ids_.empty() && all_) {
        throw core::UsageError("--all with task ids", "they say two things", "give either the ids or --all");
      }
      if (ids_.empty() && !all_) {
        throw core::UsageError("name the dead task ids or give --all", "", "swath queue dead list shows them");
      }
      const bool retry = retry_->parsed();
      // Refused whole: a typo would otherwise read "queued again 0" and look done.
      if (const auto unknown = queue::not_dead(client, ids_); !unknown.empty()) {
        throw core::UsageError(
            core::join(unknown, ", "),
            "not dead tasks of queue '" + client.keys().name + "'; nothing was " + (retry ? "queued again" : "purged"),
            "swath queue dead list shows the dead tasks");
      }
      // A task of a job whose deadline has passed would die again at once ("task expired"), yet read "queued again":
      // named, it is refused; with --all, the others are retried and it stays dead, said on stderr.
      // Likewise a task whose record was lost from Redis: nothing is left to run ("malformed task" at once).
      std::vector<std::string> chosen = ids_;
      std::vector<std::string> expired;
      if (retry) {
        auto staying = queue::dead_that_stay(client, ids_);
        expired = std::move(staying.past_deadline);
        const auto& lost = staying.without_record;
        if (!expired.empty() && !all_) {
          throw core::UsageError(core::join(expired, ", "),
                                 "their job's deadline has passed: queued again, they would die at once as expired; "
                                 "nothing was queued again",
                                 "enqueue their work again with --force (and a later --deadline, or none), or purge "
                                 "them; name the other dead tasks to retry those");
        }
        if (!lost.empty() && !all_) {
          throw core::UsageError(core::join(lost, ", "),
                                 "their records were lost from Redis: nothing is left to run; nothing was queued again",
                                 "enqueue their work again with --force, or purge them; name the other dead tasks to "
                                 "retry those");
        }
        if (!expired.empty()) {
          std::cerr << "swath queue: " << expired.size() << " dead task(s) stay dead: their job's deadline has passed "
                    << "(enqueue their work again with --force and a later --deadline, or none)\n";
        }
        if (!lost.empty()) {
          std::cerr << "swath queue: " << lost.size() << " dead task(s) stay dead: their records were lost from Redis "
                    << "(enqueue their work again with --force)\n";
        }
        expired.insert(expired.end(), lost.begin(), lost.end());  // both stay dead (each listed once)
        if (!expired.empty()) {
          const std::set<std::string> staying_ids(expired.begin(), expired.end());
          for (const auto& task : client.dead_list(0, -1)) {
            if (staying_ids.count(task.id) == 0) chosen.push_back(task.id);
          }
        }
      }
      const bool nothing_left = !expired.empty() && chosen.empty();
      const auto n = nothing_left ? 0 : retry ? client.dead_retry(chosen) : client.dead_purge(chosen);
      warn_if_never_used(client, n == 0);
      if (json_) {
        core::Json j = core::Json::object();
        j.set("schema", "swath.queue.dead_action/1");
        j.set("queue", client.keys().name);
        j.set("action", retry ? "retry" : "purge");
        j.set("tasks", static_cast<std::int64_t>(n));
        if (retry)
          j.set("stayed_dead",
                static_cast<std::int64_t>(expired.size()));  // past their job's deadline, or their records lost
        cli::emit(j.dump() + "\n");
      } else {
        cli::emit(std::string(retry ? "queued again " : "purged ") + std::to_string(n) + " dead tasks" +
                  (expired.empty() ? "" : "; " + std::to_string(expired.size()) + " stay dead (see above)") + "\n");
      }
    }
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  int migrate(queue::Connection& connection, const queue::Keys& keys) {
    // Marking a queue ahead of its first job is allowed (workers of this swath read it), but a mistyped --queue
    // would otherwise look done: said on stderr, and in the JSON.
    const bool unseen = !queue::queue_seen(connection, keys);
    if (unseen)
      log::get("queue")->warn("{}; marked for buckets ahead of its first job",
                              queue::never_used_note(connection, keys.name));
    const bool already = !queue::migrate(connection, keys);
    if (json_) {
      core::Json j = core::Json::object();
      j.set("schema", "swath.queue.migrate/1");
      j.set("queue", keys.name);
      j.set("layout", 3);
      j.set("bucketed", true);
      j.set("already_migrated", already);
      j.set("never_used", unseen);
      cli::emit(j.dump() + "\n");
    } else {
      cli::emit("queue '" + keys.name + "': " +
                (already ? "already migrated: its new jobs spread their task records over buckets\n"
                         : "migrated: its new jobs spread their task records over buckets (every worker must run "
                           "this swath or newer)\n"));
    }
    return static_cast<int>(core::ExitCode::ok);
  }

  int jobs(queue::QueueClient& client) {
    const auto found = client.jobs(job_->parsed() ? job_id_ : "");
    if (job_->parsed() && found.empty()) {
      std::vector<std::string> ids;
      for (const auto& j : client.jobs()) ids.push_back(j.id);
      throw core::UsageError("job '" + job_id_ + "'", "no such job in queue '" + client.keys().name + "'",
                             ids.empty() ? "the queue has no jobs" : "its jobs: " + core::join(ids, ", "));
    }
    if (records_) {
      const auto job = fleet::read_job_records(found.front());
      for (const auto& r : job.records) cli::emit(r.dump() + "\n");
      // Otherwise the missing ones would read as a complete list.
      if (job.missing > 0) {
        log::get("queue")->warn(
            "job {}: {} of its {} done tasks have no readable record in '{}/swath-records/{}' "
            "(removed, moved or damaged since they were committed)",
            job_id_, job.missing, found.front().done, job.dir, job_id_);
      }
    } else if (json_) {
      for (const auto& j : found) cli::emit(queue::to_json(j).dump() + "\n");
    } else if (job_->parsed()) {
      const auto& job = found.front();
      const auto* options = job.meta.find("options");
      const auto* kind = job.meta.find("kind");
      cli::emit(
          queue::to_text(job, fleet::applicable_options(kind != nullptr && kind->is_string() ? kind->as_string() : "",
                                                        options != nullptr ? *options : core::Json::object())));
    } else {
      cli::emit(queue::to_text(found));
    }
    warn_if_never_used(client, found.empty());
    return static_cast<int>(core::ExitCode::ok);
  }

  // "no jobs" from a mistyped --queue would read as an empty queue: said on stderr, as stats and the worker say it.
  static void warn_if_never_used(queue::QueueClient& client, bool nothing_found) {
    if (nothing_found && !queue::queue_seen(client.connection(), client.keys()))
      log::get("queue")->warn("{}", queue::never_used_note(client.connection(), client.keys().name));
  }

  CLI::App *stats_ = nullptr, *jobs_ = nullptr, *job_ = nullptr, *migrate_ = nullptr, *dead_ = nullptr,
           *list_ = nullptr, *retry_ = nullptr, *purge_ = nullptr;
  bool json_ = false, prometheus_ = false, all_ = false, records_ = false;
  std::string job_id_;
  std::int64_t window_ = 300, limit_ = 100;
  std::vector<std::string> ids_;
};

}  // namespace

std::unique_ptr<cli::Command> make_queue() { return std::make_unique<QueueCommand>(); }

}  // namespace swath::commands
