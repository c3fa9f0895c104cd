// Kubernetes manifests for running swath on a cluster: an Indexed Job (static shards of `swath tile`),
// a worker Job and Deployment (`swath worker`), and KEDA ScaledObject / ScaledJob objects.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"
#include "scale/policy.hpp"

namespace swath::scale::k8s {

struct ManifestOptions {
  std::string name = "swath";
  std::string namespace_name = "default";
  std::string image = "swath:0.1.0";
  std::string image_digest;  // "sha256:<64 hex>": the image is pinned as image@digest
  std::string queue = "tiles";
  std::string redis_url = "redis://redis:6379";
  int parallelism = 1;                // from the plan: worker Job parallelism and Deployment replicas
  int shards = 8;                     // Indexed Job completions
  std::string redis_password_secret;  // a Secret with key `password`: the workers' SWATH_REDIS_PASSWORD, KEDA's login
  std::string tile_input = "/data/scene.tif";  // the Indexed Job's scene, as the pods see it
  std::string tile_output = "/data/tiles";
  std::string data_claim = "swath-data";  // PersistentVolumeClaim (ReadWriteMany) mounted at /data in every pod
  std::string cpu_request = "500m", cpu_limit = "1", memory_request = "512Mi", memory_limit = "1Gi";
  Policy policy;
};

// The queue the workers take from is the one the plan was made for: `flag_queue` (--queue) when given, else the
// queue the plan read (a stats file's, Redis'), else the options' own.
void use_plan_queue(ManifestOptions& options, const std::string& flag_queue, const std::string& planned_queue);

enum class ManifestKind { indexed_job, job, deployment, keda };

// "job", "indexed-job", "deployment", "keda", "all" → kinds; UsageError otherwise.
std::vector<ManifestKind> parse_manifest_kinds(const std::string& text);

struct Manifest {
  std::string file_name;  // "worker-job.yaml"
  core::Json object;      // the Kubernetes object
  std::string yaml;       // emitted by yaml-cpp
};

std::vector<Manifest> build_manifests(const std::vector<ManifestKind>& kinds, const ManifestOptions& options);

// Writes the manifests into `dir` (created when missing), all or none (each under a temporary name first);
// returns the paths written. Throws IoError.
std::vector<std::string> write_manifests(const std::vector<Manifest>& manifests, const std::string& dir);

// JSON → YAML with yaml-cpp's emitter; strings that would read back as another type are quoted.
std::string to_yaml(const core::Json& value, const std::string& header_comment = {});

// UsageError naming the flag when the objects could not be applied or their pods could not run: a name or namespace
// Kubernetes refuses (RFC 1123), a queue name swath refuses, a scene path the pods cannot open, a bad digest, a
// Redis URL KEDA cannot use.
void check_manifest_options(const ManifestOptions& options);

// UsageError naming the policy key when KEDA's objects would round it: pollingInterval, cooldownPeriod and the HPA
// behaviour's windows, periods and percents are whole numbers (1.5 was written as 1, while the planner and the
// controller used 1.5).
void check_keda_numbers(const Policy& policy);

// The image reference the pods run: image@digest when a digest is given. UsageError on a malformed digest.
std::string image_reference(const ManifestOptions& options);

}  // namespace swath::scale::k8s
