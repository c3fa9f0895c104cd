// What scale-plan --emit refuses up front: values Kubernetes or the emitted pods would refuse once applied.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <regex>
#include <utility>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "queue/keys.hpp"
#include "queue/redis_url.hpp"
#include "scale/k8s/manifests.hpp"

namespace swath::scale::k8s {

namespace {

// An RFC 1123 label (a namespace; a name prefix, which becomes object names and label values up to `longest`).
void check_label(const std::string& flag, const std::string& value, std::size_t longest) {
  static const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  if (value.size() <= longest && std::regex_match(value, label)) return;
  throw core::UsageError(flag + " '" + value + "'",
                         "Kubernetes refuses it: lowercase letters, digits and '-', starting and ending with a letter "
                         "or digit, at most " +
                             std::to_string(longest) + " characters",
                         "for example " + flag + " swath-tiles");
}

// An image reference as container runtimes parse it: [registry[:port]/]path[:tag], the path in lowercase.
void check_image(const std::string& image) {
  // Bounded first: std::regex recurses per character (a 60k-character value overflowed the stack).
  static const std::regex reference(
      "([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
      "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?");
  if (image.size() <= 255 && std::regex_match(image, reference)) return;
  throw core::UsageError("--image '" + image + "'",
                         "not an image reference: [registry[:port]/]name[:tag], the name in lowercase letters, "
                         "digits and . _ -, at most 255 characters",
                         "for example --image registry.example.com/swath:0.1.0");
}

void check_in_cluster_redis(const ManifestOptions& options) {
  const auto address = queue::parse_redis_url(options.redis_url, "--redis-in-cluster");
  if (!address.unix_socket.empty()) {
    throw core::UsageError("--redis-in-cluster '" + address.describe() + "'",
                           "KEDA's redis scaler reaches Redis over TCP, not a unix socket",
                           "give the address pods use, like redis://redis.swath.svc:6379/0");
  }
  // In the URL, a password would be written into every pod's args in plain text, and KEDA's trigger takes it only
  // from a Secret (a user name alone is no secret: the workers read the password from SWATH_REDIS_PASSWORD).
  if (!address.password.empty()) {
    throw core::UsageError("--redis-in-cluster '" + address.describe() + "'",
                           "it carries a password, which the manifests would hold in plain text",
                           "put the password in a Secret (key 'password') and pass --redis-password-secret NAME");
  }
  // The workers would log in as that user, KEDA's trigger (which names no user) as the default one: its scaling
  // would read nothing, or be refused.
  if (!address.user.empty()) {
    throw core::UsageError(
        "--redis-in-cluster '" + address.describe() + "'",
        "it names the ACL user '" + address.user + "', and the emitted KEDA trigger logs in as the default user",
        "emit for the default user (redis://HOST:PORT/DB), then add the user to the trigger by "
        "hand (KEDA's usernameFromEnv)");
  }
}

}  // namespace

void check_manifest_options(const ManifestOptions& options) {
  check_in_cluster_redis(options);
  check_image(options.image);
  // A PersistentVolumeClaim's name is an RFC 1123 subdomain: labels joined by dots.
  static const std::regex subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  if (options.data_claim.size() > 253 || !std::regex_match(options.data_claim, subdomain)) {
    throw core::UsageError("--data-claim '" + options.data_claim + "'",
                           "Kubernetes refuses it as a claim name: lowercase letters, digits, '-' and '.', starting "
                           "and ending with a letter or digit",
                           "for example --data-claim swath-data");
  }
  // The Secret's name, like every object's, is a subdomain; it also names the emitted TriggerAuthentication.
  if (!options.redis_password_secret.empty() &&
      (options.redis_password_secret.size() > 253 || !std::regex_match(options.redis_password_secret, subdomain))) {
    throw core::UsageError("--redis-password-secret '" + options.redis_password_secret + "'",
                           "Kubernetes refuses it as a Secret name: lowercase letters, digits, '-' and '.', starting "
                           "and ending with a letter or digit",
                           "for example --redis-password-secret swath-redis");
  }
  check_label("--namespace", options.namespace_name, 63);
  check_label("--name", options.name, 63 - std::string("-worker-jobs").size());  // its longest object name
  queue::Keys{options.queue};                                                    // the workers would refuse it (exit 2)
  image_reference(options);                                                      // validates the digest
  // The pods read the scene from their own file system: an absolute path there, or a GDAL /vsi path.
  const auto& scene = options.tile_input;
  const bool normal = !scene.empty() && scene[0] == '/' && scene.back() != '/' &&
                      std::filesystem::path(scene).lexically_normal().string() == scene;
  if (!core::is_vsi_path(scene) && (!normal || scene.find_first_of("*?[") != std::string::npos)) {
    throw core::UsageError("--scene '" + scene + "'", "not an absolute, normal path of one file",
                           "the path as the pods see it, like /data/scenes/a.tif (the data volume is at /data)");
  }
}

void check_keda_numbers(const Policy& p) {
  for (const auto& [key, value] :
       {std::pair{"polling_interval_seconds", p.polling_interval_seconds},
        std::pair{"cooldown_seconds", p.cooldown_seconds},
        std::pair{"scale_up.stabilization_window_seconds", p.scale_up.stabilization_window_seconds},
        std::pair{"scale_up.period_seconds", p.scale_up.period_seconds},
        std::pair{"scale_up.max_percent_per_period", p.scale_up.max_percent_per_period},
        std::pair{"scale_down.stabilization_window_seconds", p.scale_down.stabilization_window_seconds},
        std::pair{"scale_down.period_seconds", p.scale_down.period_seconds},
        std::pair{"scale_down.max_percent_per_period", p.scale_down.max_percent_per_period}}) {
    if (value == std::floor(value)) continue;
    throw core::UsageError(
        std::string("policy key '") + key + "': " + fmt::format("{:g}", value),
        "KEDA's objects take whole numbers only (pollingInterval, cooldownPeriod, the HPA's "
        "behavior)",
        "give a whole number in the policy for --emit keda (--watch and the planner take fractions)");
  }
}

}  // namespace swath::scale::k8s
