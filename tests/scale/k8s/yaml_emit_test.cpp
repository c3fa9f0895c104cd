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
