// `swath worker`: take tasks from a queue and run them until it is empty (--exit-when-empty) or SIGTERM.
#include "worker/worker.hpp"

#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "commands/queue_flags.hpp"
#include "core/errors.hpp"
#include "fleet/handlers.hpp"

namespace swath::commands {

namespace {

class WorkerCommand final : public cli::Command {
 public:
  std::string name() const override { return "worker"; }
  std::string summary() const override { return "Run queued tasks: leased, fenced, committed exactly once"; }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    declare_queue_flags(app, flags);
    flags.bind(app, worker::worker_table().specs());
    flags.bind(app, pipeline::resources_table().specs());
    app.add_option("--worker-id", worker_id_, "Name in heartbeats and logs (default host-pid-random)");
    app.add_option("--metrics-port", metrics_port_, "Serve Prometheus metrics on this TCP port")
        ->transform(cli::at_least(1, "", 65535));
    app.add_flag("--exit-when-empty", exit_when_empty_, "Exit 0 when nothing is ready, delayed or leased");
    app.add_option("--max-tasks", max_tasks_, "Exit 0 after leasing and settling this many tasks (a pod's fixed share)")
        ->transform(cli::at_least(1, "leave it out to run until stopped"));
    app.add_flag("--json", json_, "Print the summary as JSON on exit");
  }
  int run(const cli::Invocation& invocation) override {
    const auto& config = invocation.config;
    const auto queue = queue_settings(config);
    worker::WorkerOptions options = worker::worker_table().apply(config);
    options.redis = queue.endpoint();
    options.queue = queue.name;
    options.allow_eviction = queue.allow_eviction;
    options.worker_id = worker_id_;
    options.exit_when_empty = exit_when_empty_;
    options.max_tasks = max_tasks_;
    options.metrics_port = metrics_port_;
    auto handlers = worker::builtin_handlers();
    fleet::add_handlers(handlers, pipeline::resources_table().apply(config));
    worker::WorkerSummary summary;
    try {
      summary = worker::run_worker(options, handlers, &summary);
    } catch (const core::Error& e) {
      // A job's log scraper still gets the counts, with why it stopped (the message goes to stderr as well).
      if (json_) {
        auto json = worker::to_json(summary);
        json.set("error", core::describe(e));
        cli::add_error_fields(json, e);  // as swath.error/1 has them
        if (dynamic_cast<const core::Interrupted*>(&e) != nullptr) json.set("interrupted", true);
        cli::emit(json.dump() + "\n");
      }
      throw;
    }
    if (json_) cli::emit(worker::to_json(summary).dump() + "\n");
    return static_cast<int>(summary.interrupted ? core::ExitCode::interrupted : core::ExitCode::ok);
  }

 private:
  std::string worker_id_;
  int metrics_port_ = 0;
  std::int64_t max_tasks_ = 0;
  bool exit_when_empty_ = false, json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_worker() { return std::make_unique<WorkerCommand>(); }

}  // namespace swath::commands
