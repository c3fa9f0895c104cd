// `swath worker`: take tasks from a queue and run them until it is empty (--exit-when-empty) or SIGTERM.
#include <cmath>

#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "commands/queue_flags.hpp"
#include "core/errors.hpp"
#include "fleet/handlers.hpp"
#include "worker/worker.hpp"

namespace swath::commands {

namespace {

std::int64_t ms(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * 1000.0)); }

class WorkerCommand final : public cli::Command {
 public:
  std::string name() const override { return "worker"; }
  std::string summary() const override { return "Run queued tasks: leased, fenced, committed exactly once"; }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    declare_queue_flags(app, flags);
    flags.bind(app, "--concurrency", "worker.concurrency", "Tasks run at once");
    flags.bind(app, "--batch", "worker.batch", "Most tasks leased per round trip");
    flags.bind(app, "--prefetch", "worker.prefetch_seconds", "Seconds of measured work leased beyond the free slots");
    flags.bind(app, "--max-attempts", "worker.max_attempts", "Failed attempts before dead-lettering");
    flags.bind(app, "--lease", "worker.lease_seconds", "Lease length in seconds");
    flags.bind(app, "--grace", "worker.grace_seconds", "Seconds to finish running tasks after SIGTERM");
    flags.bind(app, "--backoff", "worker.backoff_seconds", "First retry delay in seconds");
    flags.bind(app, "--threads", "run.threads", "Threads each tile/detect task uses (0: one per core)");
    flags.bind(app, "--reconnect-timeout", "worker.reconnect_seconds", "Seconds to keep reconnecting to Redis");
    flags.bind(app, "--task-timeout", "worker.task_timeout_seconds", "Seconds a task may run before it is abandoned as hung");
    app.add_option("--allow-root", roots_, "Only run tasks whose inputs, outputs and model cards lie under these directories");
    app.add_option("--worker-id", worker_id_, "Name in heartbeats and logs (default host-pid-random)");
    app.add_option("--metrics-port", metrics_port_, "Serve Prometheus metrics on this TCP port")->check(CLI::Range(1, 65535));
    app.add_flag("--exit-when-empty", exit_when_empty_, "Exit 0 when nothing is ready, delayed or leased");
    app.add_flag("--json", json_, "Print the summary as JSON on exit");
  }
  int run(const cli::Invocation& invocation) override {
    const auto& config = invocation.config;
    worker::WorkerOptions options;
    options.redis = endpoint_from(config);
    options.queue = config.get_string("queue.name");
    options.worker_id = worker_id_;
    options.exit_when_empty = exit_when_empty_;
    options.metrics_port = metrics_port_;
    options.concurrency = static_cast<int>(config.get_int("worker.concurrency"));
    options.batch = static_cast<std::size_t>(config.get_int("worker.batch"));
    options.task_timeout_ms = ms(config.get_number("worker.task_timeout_seconds"));
    options.prefetch_seconds = config.get_number("worker.prefetch_seconds");
    options.allow_eviction = config.get_bool("queue.allow_eviction");
    options.allow_roots = roots_.empty() ? config.get_list("worker.allow_roots") : roots_;
    options.lease_ms = ms(config.get_number("worker.lease_seconds"));
    options.grace_ms = ms(config.get_number("worker.grace_seconds"));
    options.reconnect_timeout_ms = ms(config.get_number("worker.reconnect_seconds"));
    options.settle.max_attempts = config.get_int("worker.max_attempts");
    options.settle.backoff_base_ms = ms(config.get_number("worker.backoff_seconds"));
    options.settle.backoff_max_ms = ms(config.get_number("worker.backoff_max_seconds"));
    options.settle.ttl_seconds = config.get_int("queue.ttl_hours") * 3600;
    auto handlers = worker::builtin_handlers();
    fleet::add_handlers(handlers, {static_cast<int>(config.get_int("run.threads")),
                                   static_cast<std::size_t>(config.get_int("run.max_memory"))});
    const auto summary = worker::run_worker(options, handlers);
    if (json_) cli::emit(summary.json().dump() + "\n");
    return static_cast<int>(summary.interrupted ? core::ExitCode::interrupted : core::ExitCode::ok);
  }

 private:
  std::vector<std::string> roots_;
  std::string worker_id_;
  int metrics_port_ = 0;
  bool exit_when_empty_ = false, json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_worker() { return std::make_unique<WorkerCommand>(); }

}  // namespace swath::commands
