// YAML emitted for Kubernetes: strings that YAML would read as another type come out quoted, others plain.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include "core/json.hpp"
#include "scale/k8s/manifests.hpp"

using namespace swath;

TEST_CASE("yaml: a string a YAML reader would take for a number, boolean or null is quoted; others are plain") {
  for (const std::string text :
       {"8", "1e3", "true", "yes", "null", "~", "0x1F", "0o17", "0b101", "017", "-0x1f", "1_000", ".inf", ""}) {
    CAPTURE(text);
    const auto yaml = scale::k8s::to_yaml(core::Json::Object{{"queue", text}});
    CHECK(yaml == "queue: \"" + text + "\"\n");
    CHECK(YAML::Load(yaml)["queue"].as<std::string>() == text);
  }
  for (const std::string text : {"swath", "1Gi", "0xfg", "ghcr.io/x/swath", "q-1"}) {
    CAPTURE(text);
    const auto yaml = scale::k8s::to_yaml(core::Json::Object{{"queue", text}});
    CHECK(yaml == "queue: " + text + "\n");
    CHECK(YAML::Load(yaml)["queue"].as<std::string>() == text);
  }
}

TEST_CASE("manifests: swath/options-hash changes with every option a manifest is built from") {
  const auto hash_of = [](const scale::k8s::ManifestOptions& o) {
    const auto manifests = scale::k8s::build_manifests({scale::k8s::ManifestKind::keda}, o);
    return manifests.front().object.at("metadata").at("annotations").at("swath/options-hash").as_string();
  };
  const scale::k8s::ManifestOptions base;
  CHECK(hash_of(base) == hash_of(base));  // the same options, the same bytes
  std::vector<scale::k8s::ManifestOptions> changed(7, base);
  changed[0].policy.target_tasks_per_pod = 50;  // KEDA's listLength (was: the same hash)
  changed[1].policy.cooldown_seconds = 10;
  changed[2].policy.worker_grace_seconds = 600;  // the pods' termination grace
  changed[3].tile_input = "/data/other.tif";
  changed[4].redis_password_secret = "redis-auth";
  changed[5].memory_limit = "4Gi";
  changed[6].policy.scale_up.max_pods_per_period = 8;
  for (std::size_t i = 0; i < changed.size(); ++i) {
    INFO("change ", i);
    CHECK(hash_of(changed[i]) != hash_of(base));
  }
}

TEST_CASE("manifests: a $ in a container argument is doubled, so Kubernetes passes '$(X)' on as written") {
  scale::k8s::ManifestOptions o;
  o.tile_input = "/data/$(HOME)/a$b.tif";
  const auto manifests = scale::k8s::build_manifests({scale::k8s::ManifestKind::indexed_job}, o);
  const auto& args = manifests.front()
                         .object.at("spec")
                         .at("template")
                         .at("spec")
                         .at("containers")
                         .as_array()
                         .front()
                         .at("args")
                         .as_array();
  CHECK(args.at(1).as_string() == "/data/$$(HOME)/a$$b.tif");     // was: $(HOME) expanded by the kubelet
  CHECK(args.back().as_string() == "$(JOB_COMPLETION_INDEX)/8");  // swath's own reference still expands
}
