// `swath scale-plan`: how many worker pods, now and until the deadline; manifests, a controller, a simulator.
#include <iostream>

#include <filesystem>
#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "commands/queue_flags.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "log/logger.hpp"
#include "queue/redis_url.hpp"
#include "queue/stats.hpp"
#include "scale/k8s/controller.hpp"
#include "scale/k8s/manifests.hpp"
#include "scale/k8s/plan_flags.hpp"
#include "scale/plan.hpp"
#include "scale/report.hpp"
#include "scale/request.hpp"
#include "settings/schema.hpp"
#include "tiling/grid.hpp"

namespace swath::commands {

namespace {

class ScalePlanCommand final : public cli::Command {
 public:
  std::string name() const override { return "scale-plan"; }
  std::string summary() const override {
    return "Plan worker pods from queue stats: replicas, manifests, a controller, a simulator";
  }
  void declare(CLI::App& app, cli::ConfigFlags& flags) override {
    app_ = &app;
    app.add_option("--stats", stats_, "Queue stats JSON from `swath queue stats --json`");
    app.add_option("--redis", redis_, "Read queue stats from Redis at this URL (redis://host:port)");
    app.add_option("--queue", queue_, "Queue name (with --redis; also names the queue in manifests)");
    flags.bind(app, scale::settings_table().specs());
    // --redis and --queue are this command's own (an alternative to --stats); the password and eviction
    // settings are the queue section's.
    flags.bind(app, queue::settings_table().specs(), {"queue.password_file", "queue.allow_eviction"});
    app.add_option("--current-replicas", current_,
                   "Replicas running now (default: the stats' live workers; ScaledJob strategies: plus --pending-jobs)")
        ->transform(cli::at_least(0, "", 100000));
    app.add_option("--pending-jobs", pending_, "ScaledJob strategies: jobs whose pod is not running yet")
        ->transform(cli::at_least(0, "", 100000));
    app.add_option("--now", now_, "Plan as of this time (RFC 3339 UTC or epoch seconds; default: now)");
    app.add_flag("--json", json_, "Print JSON for machines");
    app.add_option("--emit", emit_, "Write Kubernetes manifests: job, indexed-job, deployment, keda or all");
    app.add_option("-o,--output", output_, "Directory for --emit");
    app.add_option("--image", manifests_.image, "Container image for the manifests");
    app.add_option("--image-digest", manifests_.image_digest, "Pin the image by this sha256 digest");
    app.add_option("--name", manifests_.name, "Name prefix of the Kubernetes objects");
    app.add_option("--namespace", manifests_.namespace_name, "Kubernetes namespace");
    app.add_option("--shards", manifests_.shards, "Indexed Job completions (static shards of `swath tile`)")
        ->transform(cli::at_least(1, "", tiling::max_shards));
    app.add_option("--redis-in-cluster", manifests_.redis_url, "Redis URL as the pods see it");
    app.add_option("--data-claim", manifests_.data_claim, "PersistentVolumeClaim mounted at /data in every pod");
    app.add_option("--redis-password-secret", manifests_.redis_password_secret,
                   "Secret (key `password`) the workers and KEDA log in to Redis with");
    app.add_option("--scene", manifests_.tile_input, "Indexed Job: the scene its pods tile, as they see it")
        ->capture_default_str();
    app.add_flag("--watch", watch_, "Re-plan every polling interval and apply the plan with kubectl");
    app.add_flag("--apply", apply_, "With --watch: really run kubectl (default: dry-run)");
    app.add_option("--max-iterations", watch_options_.max_iterations,
                   "With --watch: stop after this many iterations (0: until stopped)")
        ->transform(cli::at_least(0, "", 1000000000));
    app.add_option("--interval", interval_,
                   "With --watch: seconds between iterations (0 or not given: the policy's polling interval)")
        ->check(cli::between(0.0, 86400.0));
    app.add_option("--simulate", trace_, "Replay an arrival trace CSV (time,tasks) against every strategy");
    app.add_option("--plot", plot_, "With --simulate: write an SVG of backlog and replicas over time")
        ->check(cli::file_to_write(false));
    app.add_option("--seed", seed_, "With --simulate: seed of the simulated task times (default 42)")
        ->transform(cli::at_least(0, "", UINT64_MAX));
  }

  int run(const cli::Invocation& invocation) override {
    const auto flags = given_flags();
    scale::k8s::check_modes(flags);
    const auto settings = scale::settings_table().apply(invocation.config);
    policy_ = scale::resolve_policy(settings);
    inputs_ = {stats_, trace_, settings.policy, invocation.config.get_string("queue.password_file"),
               invocation.config_file};
    scale::k8s::check_flags_used(flags, policy_.strategy);
    if (!trace_.empty()) {
      scale::k8s::refuse_redis_login_flags(flags, false);  // --simulate reads no queue
      return simulate();
    }
    // The queue section's Redis and name, when a file or the environment sets them (not their built-in defaults,
    // which would make every --stats-less run read a local Redis), as enqueue, worker and queue read them.
    // A file restating the default (configs/swath.yaml) names no queue either.
    const auto& config = invocation.config;
    const auto set_here = [&](const std::string& key) {
      return config.entry(key).origin.layer != config::Layer::builtin &&
             config.get_string(key) != settings::defaults().get_string(key);
    };
    const bool redis_from_config = redis_.empty() && stats_.empty() && set_here("queue.redis");
    if (redis_from_config) redis_ = config.get_string("queue.redis");
    scale::k8s::refuse_redis_login_flags(flags, !redis_.empty());
    // A stats file names its queue: a config's queue.name is another's (the Jobs would drain it).
    if (queue_.empty() && (redis_from_config || (stats_.empty() && set_here("queue.name"))))
      queue_ = config.get_string("queue.name");
    auto queue = queue_settings(invocation.config);
    const auto source = scale::resolve_source(
        stats_, redis_, queue_,
        [queue](const std::string& url, const std::string& q) mutable {
          queue.redis = url;  // this command's own --redis, not the queue section's
          queue.redis_origin.clear();
          return queue::fetch_stats_json(queue.endpoint(), q, queue.allow_eviction);
        },
        [](const std::string& url) { queue::parse_redis_url(url); });
    if (watch_) return watch(source, settings.kubectl);
    return plan(source);
  }

 private:
  scale::k8s::PlanFlags given_flags() const {
    scale::k8s::PlanFlags flags{{}, watch_, apply_, emit_, output_, plot_, trace_};
    for (const auto* option : app_->get_options()) {
      if (option->count() == 0) continue;
      for (const auto& name : option->get_lnames()) flags.given.insert("--" + name);
    }
    return flags;
  }

  int plan(const scale::SnapshotSource& source) {
    scale::PlanInput in{source(), policy_, 0, pending_, scale::resolve_now(now_), nullptr};
    in.current_replicas = scale::resolve_current_replicas(current_, in.snapshot.workers, pending_, policy_.strategy);
    const scale::Plan plan = scale::make_plan(in);
    for (const auto& warning : plan.warnings) log::get("scale")->warn("{}", warning);
    if (!emit_.empty()) {
      manifests_.policy = policy_;
      manifests_.parallelism = plan.desired_replicas;
      scale::k8s::use_plan_queue(manifests_, queue_, in.snapshot.queue);
      const auto manifests = scale::k8s::build_manifests(scale::k8s::parse_manifest_kinds(emit_), manifests_);
      for (const auto& m : manifests)
        core::refuse_output_is_input("-o", (std::filesystem::path(output_) / m.file_name).string(), inputs_);
      const auto paths = scale::k8s::write_manifests(manifests, output_);
      for (const auto& p : paths) std::cerr << "wrote " << core::visible(p) << "\n";
    }
    cli::emit(json_ ? scale::to_json(plan, in).dump() + "\n" : scale::to_text(plan));
    return static_cast<int>(core::ExitCode::ok);
  }

  int watch(const scale::SnapshotSource& source, const std::string& kubectl) {
    watch_options_.policy = policy_;
    watch_options_.manifests = manifests_;
    watch_options_.manifests.policy = policy_;
    watch_options_.queue = queue_;
    watch_options_.kubectl = kubectl;
    watch_options_.apply = apply_;
    watch_options_.json = json_;
    watch_options_.interval_seconds = interval_ > 0 ? interval_ : policy_.polling_interval_seconds;
    const auto report =
        scale::k8s::watch(source, watch_options_, [](const std::string& line) { cli::emit(line + "\n"); });
    if (report.interrupted) {  // said as every command says it (with --json, a swath.error/1 of kind interrupted)
      throw core::Interrupted("watch interrupted after " + std::to_string(report.iterations) + " iteration(s)");
    }
    return static_cast<int>(report.failures > 0 ? core::ExitCode::partial : core::ExitCode::ok);
  }

  int simulate() {
    core::refuse_output_is_input("--plot", plot_, inputs_);
    scale::SimConfig sim{policy_, policy_.task_seconds_p50, policy_.task_seconds_p95, seed_};
    if (!stats_.empty()) {  // measured task times win over the policy's guesses
      const auto snapshot = scale::stats_file_source(stats_)();
      if (snapshot.task_count > 0 && snapshot.task_p50 > 0) sim.task_p50 = snapshot.task_p50;
      if (snapshot.task_count > 0 && snapshot.task_p95 >= sim.task_p50) sim.task_p95 = snapshot.task_p95;
    }
    const auto report = scale::simulate_all(scale::load_trace(trace_), sim);
    if (!plot_.empty()) {
      auto panels = report.results;
      if (report.optimum) panels.push_back(report.optimum->result);
      core::write_file_atomic(plot_, scale::plot_svg(panels, report.deadline_seconds));
    }
    cli::emit(json_ ? scale::to_json(report).dump() + "\n" : scale::to_text(report));
    return static_cast<int>(core::ExitCode::ok);
  }

  std::string stats_, redis_, queue_, now_, emit_, output_, trace_, plot_;
  std::vector<std::string> inputs_;  // the files read: an output over one is refused
  int current_ = -1;
  long long pending_ = 0;
  std::uint64_t seed_ = 42;
  double interval_ = 0;
  CLI::App* app_ = nullptr;  // which flags were given
  bool json_ = false, watch_ = false, apply_ = false;
  scale::k8s::ManifestOptions manifests_;
  scale::k8s::WatchOptions watch_options_;
  scale::Policy policy_;
};

}  // namespace

std::unique_ptr<cli::Command> make_scale_plan() { return std::make_unique<ScalePlanCommand>(); }

}  // namespace swath::commands
