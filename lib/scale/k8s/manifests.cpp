// Builds the Kubernetes objects as ordered JSON trees, then emits each as YAML (yaml-cpp) into its own file.
#include "scale/k8s/manifests.hpp"

#include <cmath>
#include <filesystem>
#include <regex>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "provenance/provenance.hpp"
#include "queue/redis_url.hpp"

namespace swath::scale::k8s {

namespace {

using core::Json;

constexpr int kUid = 10001;  // the image's non-root user swath (packaging/image)

Json obj(std::initializer_list<std::pair<const char*, Json>> members) {
  Json o = Json::object();
  for (const auto& [k, v] : members) o.set(k, v);
  return o;
}

Json arr(std::initializer_list<Json> items) {
  Json a = Json::array();
  for (const auto& i : items) a.push_back(i);
  return a;
}

Json labels(const ManifestOptions& o, const std::string& component) {
  return obj({{"app.kubernetes.io/name", "swath"},
              {"app.kubernetes.io/instance", o.name},
              {"app.kubernetes.io/component", component}});
}

Json rules_json(const RateRules& r) {
  return obj({{"stabilization_window_seconds", r.stabilization_window_seconds},
              {"max_pods_per_period", r.max_pods_per_period},
              {"max_percent_per_period", r.max_percent_per_period},
              {"period_seconds", r.period_seconds}});
}

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(); }

// Every policy value: most shape a manifest (KEDA's listLength and cooldown, the HPA's behaviour, the pods' grace).
Json policy_json(const Policy& p) {
  return obj({{"strategy", std::string(strategy_name(p.strategy))},
              {"min_replicas", p.min_replicas},
              {"max_replicas", p.max_replicas},
              {"target_tasks_per_pod", p.target_tasks_per_pod},
              {"activation_threshold", p.activation_threshold},
              {"polling_interval_seconds", p.polling_interval_seconds},
              {"cooldown_seconds", p.cooldown_seconds},
              {"scale_up", rules_json(p.scale_up)},
              {"scale_down", rules_json(p.scale_down)},
              {"tolerance", p.tolerance},
              {"deadline_seconds", optional_number(p.deadline_seconds)},
              {"deadline_at_epoch", optional_number(p.deadline_at_epoch)},
              {"pod_startup_seconds", p.pod_startup_seconds},
              {"cost_per_pod_hour", p.cost_per_pod_hour},
              {"task_seconds_p50", p.task_seconds_p50},
              {"task_seconds_p95", p.task_seconds_p95},
              {"hysteresis_replicas", p.hysteresis_replicas},
              {"worker_grace_seconds", p.worker_grace_seconds}});
}

// What made this object: swath's version and a hash of every option it was built from (no git state or time, so
// regenerating from the same inputs gives the same bytes, and any change of them another hash).
Json annotations(const ManifestOptions& o) {
  Json options = obj({{"name", o.name},
                      {"namespace", o.namespace_name},
                      {"image", image_reference(o)},
                      {"queue", o.queue},
                      {"redis", o.redis_url},
                      {"redis_password_secret", o.redis_password_secret},
                      {"parallelism", o.parallelism},
                      {"shards", o.shards},
                      {"tile_input", o.tile_input},
                      {"tile_output", o.tile_output},
                      {"data_claim", o.data_claim},
                      {"resources", obj({{"cpu_request", o.cpu_request},
                                         {"cpu_limit", o.cpu_limit},
                                         {"memory_request", o.memory_request},
                                         {"memory_limit", o.memory_limit}})},
                      {"policy", policy_json(o.policy)}});
  return obj({{"swath/generated-by", "swath scale-plan --emit " + provenance::build_facts().version},
              {"swath/options-hash", provenance::hash_options(options)}});
}

Json metadata(const ManifestOptions& o, const std::string& name, const std::string& component) {
  return obj({{"name", name},
              {"namespace", o.namespace_name},
              {"labels", labels(o, component)},
              {"annotations", annotations(o)}});
}

int termination_grace(const Policy& p) {
  // Above the worker's own grace, so it can finish or hand back its task before SIGKILL.
  return static_cast<int>(std::ceil(p.worker_grace_seconds)) + 15;
}

// A value as a container argument: Kubernetes expands $(NAME) in args and reduces $$ to $, so each $ is doubled and
// '/data/$(X).tif' reaches swath as written.
std::string literal_arg(const std::string& value) {
  std::string out;
  for (const char c : value) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

Json container(const ManifestOptions& o, const std::string& name, Json args, Json env) {
  env.push_back(obj({{"name", "SWATH_LOG__FORMAT"}, {"value", "json"}}));
  return obj({
      {"name", name},
      {"image", image_reference(o)},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", arr({"swath"})},
      {"args", std::move(args)},
      {"env", std::move(env)},
      {"resources", obj({{"requests", obj({{"cpu", o.cpu_request}, {"memory", o.memory_request}})},
                         {"limits", obj({{"cpu", o.cpu_limit}, {"memory", o.memory_limit}})}})},
      {"securityContext", obj({{"allowPrivilegeEscalation", false},
                               {"readOnlyRootFilesystem", true},
                               {"capabilities", obj({{"drop", arr({"ALL"})}})}})},
      {"volumeMounts",
       arr({obj({{"name", "tmp"}, {"mountPath", "/tmp"}}), obj({{"name", "data"}, {"mountPath", "/data"}})})},
  });
}

Json pod_template(const ManifestOptions& o, const std::string& component, Json container_spec,
                  const std::string& restart) {
  return obj({
      {"metadata", obj({{"labels", labels(o, component)}})},
      {"spec",
       obj({
           {"restartPolicy", restart},
           {"terminationGracePeriodSeconds", termination_grace(o.policy)},
           {"securityContext", obj({{"runAsNonRoot", true},
                                    {"runAsUser", kUid},
                                    {"runAsGroup", kUid},
                                    {"fsGroup", kUid},
                                    {"seccompProfile", obj({{"type", "RuntimeDefault"}})}})},
           {"containers", arr({std::move(container_spec)})},
           {"volumes", arr({obj({{"name", "tmp"}, {"emptyDir", obj({})}}),
                            obj({{"name", "data"}, {"persistentVolumeClaim", obj({{"claimName", o.data_claim}})}})})},
       })},
  });
}

// Exit code 2 is a usage error: retrying cannot help, so fail the Job at once. Evictions and node drains
// (DisruptionTarget) are not the pod's fault and do not count against backoffLimit.
Json pod_failure_policy() {
  return obj({{"rules",
               arr({
                   obj({{"action", "FailJob"},
                        {"onExitCodes", obj({{"containerName", "swath"}, {"operator", "In"}, {"values", arr({2})}})}}),
                   obj({{"action", "Ignore"},
                        {"onPodConditions", arr({obj({{"type", "DisruptionTarget"}, {"status", "True"}})})}}),
               })}});
}

// The worker's own --grace is the policy's; the pod's terminationGracePeriodSeconds is 15 s above it.
Json worker_args(const ManifestOptions& o, bool exit_when_empty) {
  Json args =
      arr({"worker", "--redis", literal_arg(o.redis_url), "--queue", literal_arg(o.queue), "--grace",
           std::to_string(static_cast<int>(std::ceil(o.policy.worker_grace_seconds))), "--allow-root", "/data"});
  if (exit_when_empty) args.push_back("--exit-when-empty");
  return args;
}

// The password never goes into args or the manifest: the worker reads SWATH_REDIS_PASSWORD from the Secret.
Json worker_env(const ManifestOptions& o) {
  Json env = Json::array();
  if (o.redis_password_secret.empty()) return env;
  env.push_back(
      obj({{"name", "SWATH_REDIS_PASSWORD"},
           {"valueFrom", obj({{"secretKeyRef", obj({{"name", o.redis_password_secret}, {"key", "password"}})}})}}));
  return env;
}

Json worker_job_spec(const ManifestOptions& o, int parallelism) {
  return obj({
      {"parallelism", parallelism},
      {"backoffLimit", 6},
      {"ttlSecondsAfterFinished", 3600},
      {"podFailurePolicy", pod_failure_policy()},
      {"template", pod_template(o, "worker", container(o, "swath", worker_args(o, true), worker_env(o)), "Never")},
  });
}

Manifest indexed_job(const ManifestOptions& o) {
  // JOB_COMPLETION_INDEX comes from the pod's annotation, declared as env so $(...) expands in args.
  Json env =
      arr({obj({{"name", "JOB_COMPLETION_INDEX"},
                {"valueFrom",
                 obj({{"fieldRef",
                       obj({{"fieldPath", "metadata.annotations['batch.kubernetes.io/job-completion-index']"}})}})}})});
  const std::string shard = "$(JOB_COMPLETION_INDEX)/" + std::to_string(o.shards);
  Json args = arr({"tile", literal_arg(o.tile_input), "-o", literal_arg(o.tile_output), "--shard", shard});
  Json spec = obj({
      {"completionMode", "Indexed"},
      {"completions", o.shards},
      {"parallelism", std::min(o.shards, std::max(1, o.parallelism))},
      {"backoffLimit", 6},
      {"ttlSecondsAfterFinished", 3600},
      {"podFailurePolicy", pod_failure_policy()},
      {"template", pod_template(o, "tile", container(o, "swath", std::move(args), std::move(env)), "Never")},
  });
  Json job = obj({{"apiVersion", "batch/v1"},
                  {"kind", "Job"},
                  {"metadata", metadata(o, o.name + "-tile", "tile")},
                  {"spec", std::move(spec)}});
  return {"indexed-job.yaml", job, ""};
}

Manifest worker_job(const ManifestOptions& o) {
  Json job = obj({{"apiVersion", "batch/v1"},
                  {"kind", "Job"},
                  {"metadata", metadata(o, o.name + "-worker", "worker")},
                  {"spec", worker_job_spec(o, std::max(1, o.parallelism))}});
  return {"worker-job.yaml", job, ""};
}

Manifest deployment(const ManifestOptions& o) {
  Json spec = obj({
      {"replicas", o.parallelism},
      {"selector", obj({{"matchLabels", labels(o, "worker")}})},
      {"template", pod_template(o, "worker", container(o, "swath", worker_args(o, false), worker_env(o)), "Always")},
  });
  Json d = obj({{"apiVersion", "apps/v1"},
                {"kind", "Deployment"},
                {"metadata", metadata(o, o.name + "-worker", "worker")},
                {"spec", std::move(spec)}});
  return {"worker-deployment.yaml", d, ""};
}

std::string format_number(double v) {
  if (std::nearbyint(v) == v) return std::to_string(static_cast<long long>(v));
  return std::to_string(v);
}

// KEDA's redis scaler reads LLEN of the queue's unfinished list (waiting + delayed + running tasks, the
// `unfinished` of swath.queue.stats/1), not of the ready list: with every task leased the ready list is empty,
// and a ScaledObject reading it would scale the pods running those tasks to zero after its cooldown.
Json redis_trigger(const ManifestOptions& o) {
  const auto address = queue::parse_redis_url(o.redis_url, "--redis-in-cluster");  // TCP, no credentials: checked
  Json metadata = obj({{"address", address.host + ":" + std::to_string(address.port)},
                       {"listName", "swath:{" + o.queue + "}:unfinished"},
                       {"listLength", format_number(o.policy.target_tasks_per_pod)},
                       {"activationListLength", format_number(o.policy.activation_threshold)}});
  // KEDA reads database 0 unless told: the workers' queue in another would look empty forever.
  if (address.db != 0) metadata.set("databaseIndex", std::to_string(address.db));
  Json trigger = obj({{"type", "redis"}, {"metadata", std::move(metadata)}});
  if (!o.redis_password_secret.empty()) trigger.set("authenticationRef", obj({{"name", o.redis_password_secret}}));
  return arr({std::move(trigger)});
}

// KEDA logs in to Redis with the workers' password, from the same Secret.
Manifest trigger_authentication(const ManifestOptions& o) {
  Json ta =
      obj({{"apiVersion", "keda.sh/v1alpha1"},
           {"kind", "TriggerAuthentication"},
           {"metadata", metadata(o, o.redis_password_secret, "autoscaler")},
           {"spec",
            obj({{"secretTargetRef",
                  arr({obj({{"parameter", "password"}, {"name", o.redis_password_secret}, {"key", "password"}})})}})}});
  return {"triggerauthentication.yaml", ta, ""};
}

Json hpa_rules(const RateRules& r) {
  return obj({{"stabilizationWindowSeconds", static_cast<int>(r.stabilization_window_seconds)},
              {"selectPolicy", "Max"},
              {"policies", arr({obj({{"type", "Pods"},
                                     {"value", r.max_pods_per_period},
                                     {"periodSeconds", static_cast<int>(r.period_seconds)}}),
                                obj({{"type", "Percent"},
                                     {"value", static_cast<int>(r.max_percent_per_period)},
                                     {"periodSeconds", static_cast<int>(r.period_seconds)}})})}});
}

Manifest scaled_object(const ManifestOptions& o) {
  const Policy& p = o.policy;
  Json spec = obj({
      {"scaleTargetRef", obj({{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", o.name + "-worker"}})},
      {"pollingInterval", static_cast<int>(p.polling_interval_seconds)},
      {"cooldownPeriod", static_cast<int>(p.cooldown_seconds)},
      {"minReplicaCount", p.min_replicas},
      {"maxReplicaCount", p.max_replicas},
      {"advanced",
       obj({{"horizontalPodAutoscalerConfig",
             obj({{"behavior", obj({{"scaleUp", hpa_rules(p.scale_up)}, {"scaleDown", hpa_rules(p.scale_down)}})}})}})},
      {"triggers", redis_trigger(o)},
  });
  Json so = obj({{"apiVersion", "keda.sh/v1alpha1"},
                 {"kind", "ScaledObject"},
                 {"metadata", metadata(o, o.name + "-worker", "autoscaler")},
                 {"spec", std::move(spec)}});
  return {"scaledobject.yaml", so, ""};
}

Manifest scaled_job(const ManifestOptions& o) {
  const Policy& p = o.policy;
  std::string strategy = "default";
  if (p.strategy == Strategy::scaledjob_accurate) strategy = "accurate";
  if (p.strategy == Strategy::scaledjob_eager) strategy = "eager";
  Json spec = obj({
      {"jobTargetRef", worker_job_spec(o, 1)},
      {"pollingInterval", static_cast<int>(p.polling_interval_seconds)},
      {"successfulJobsHistoryLimit", 5},
      {"failedJobsHistoryLimit", 5},
      {"minReplicaCount", p.min_replicas},
      {"maxReplicaCount", p.max_replicas},
      {"scalingStrategy", obj({{"strategy", strategy}})},
      {"triggers", redis_trigger(o)},
  });
  Json sj = obj({{"apiVersion", "keda.sh/v1alpha1"},
                 {"kind", "ScaledJob"},
                 {"metadata", metadata(o, o.name + "-worker-jobs", "autoscaler")},
                 {"spec", std::move(spec)}});
  return {"scaledjob.yaml", sj, ""};
}

}  // namespace

std::string image_reference(const ManifestOptions& o) {
  if (o.image_digest.empty()) return o.image;
  static const std::regex digest("sha256:[0-9a-f]{64}");
  if (!std::regex_match(o.image_digest, digest)) {
    throw core::UsageError("--image-digest '" + o.image_digest + "'", "not a sha256 digest",
                           "expected sha256: and 64 lowercase hex digits (docker inspect --format '{{.RepoDigests}}')");
  }
  std::string repo = o.image;
  if (const auto at = repo.find('@'); at != std::string::npos) repo.resize(at);
  // Drop a tag: with a digest it is ignored by the runtime and only misleads a reader.
  const auto colon = repo.rfind(':');
  const auto slash = repo.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repo.resize(colon);
  return repo + "@" + o.image_digest;
}

std::vector<ManifestKind> parse_manifest_kinds(const std::string& text) {
  if (text == "job") return {ManifestKind::job};
  if (text == "indexed-job") return {ManifestKind::indexed_job};
  if (text == "deployment") return {ManifestKind::deployment};
  if (text == "keda") return {ManifestKind::keda};
  if (text == "all")
    return {ManifestKind::indexed_job, ManifestKind::job, ManifestKind::deployment, ManifestKind::keda};
  throw core::UsageError("--emit '" + text + "'", "unknown kind of manifest",
                         "one of job, indexed-job, deployment, keda, all");
}

void use_plan_queue(ManifestOptions& options, const std::string& flag_queue, const std::string& planned_queue) {
  if (!flag_queue.empty())
    options.queue = flag_queue;
  else if (!planned_queue.empty())
    options.queue = planned_queue;
}

std::vector<Manifest> build_manifests(const std::vector<ManifestKind>& kinds, const ManifestOptions& options) {
  check_manifest_options(options);  // before anything is built
  std::vector<Manifest> out;
  for (const auto kind : kinds) {
    switch (kind) {
      case ManifestKind::indexed_job:
        out.push_back(indexed_job(options));
        break;
      case ManifestKind::job:
        out.push_back(worker_job(options));
        break;
      case ManifestKind::deployment:
        out.push_back(deployment(options));
        break;
      case ManifestKind::keda:
        check_keda_numbers(options.policy);
        out.push_back(scaled_object(options));
        out.push_back(scaled_job(options));
        if (!options.redis_password_secret.empty()) out.push_back(trigger_authentication(options));
        break;
    }
  }
  for (auto& m : out)
    m.yaml = to_yaml(m.object, "Generated by swath scale-plan --emit; edit the policy, not this file.");
  return out;
}

}  // namespace swath::scale::k8s
