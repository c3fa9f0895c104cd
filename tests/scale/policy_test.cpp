// The scaling policy file: the shipped one loads, and each bad value is named with file, line, key and value.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "scale/policy.hpp"
#include "scale/request.hpp"
#include "support/errors.hpp"

using namespace swath;

TEST_CASE("policy: configs/scaling.yaml loads and equals the built-in defaults") {
  const auto p = scale::load_policy(std::string(SWATH_SOURCE_DIR) + "/configs/scaling.yaml");
  const scale::Policy d;
  CHECK(p.strategy == d.strategy);
  CHECK(p.max_replicas == d.max_replicas);
  CHECK(p.target_tasks_per_pod == d.target_tasks_per_pod);
  CHECK(p.scale_down.stabilization_window_seconds == d.scale_down.stabilization_window_seconds);
  CHECK(p.scale_up.max_pods_per_period == d.scale_up.max_pods_per_period);
  CHECK(p.task_seconds_p95 == d.task_seconds_p95);
  REQUIRE(p.deadline_seconds);
  CHECK(*p.deadline_seconds == 3600);
}

TEST_CASE("policy: values and nested sections are read") {
  const auto p = scale::parse_policy(
      "strategy: scaledjob-eager\nmin_replicas: 2\nmax_replicas: 9\nscale_up:\n  max_pods_per_period: 7\n"
      "deadline_at: 2026-11-25T19:00:00Z\n",
      "p.yaml");
  CHECK(p.strategy == scale::Strategy::scaledjob_eager);
  CHECK(p.min_replicas == 2);
  CHECK(p.max_replicas == 9);
  CHECK(p.scale_up.max_pods_per_period == 7);
  REQUIRE(p.deadline_at_epoch);
  CHECK(*p.deadline_at_epoch == 1795633200.0);
}

TEST_CASE("policy: min > max names both keys, lines and values") {
  CHECK(
      test::usage_message([] { scale::parse_policy("min_replicas: 5\nmax_replicas: 2\n", "p.yaml"); }) ==
      "file p.yaml:1: key 'min_replicas': '5' is greater than max_replicas '2' (file p.yaml:2) (hint: set min_replicas <= max_replicas)");
}

TEST_CASE("policy: a negative target is refused") {
  CHECK(test::usage_message([] { scale::parse_policy("strategy: hpa\ntarget_tasks_per_pod: -5\n", "p.yaml"); }) ==
        "file p.yaml:2: key 'target_tasks_per_pod': '-5' is out of range (hint: expected a number from 1 to inf)");
  // KEDA's listLength is a whole number (2.5 was planned as 2.5 and emitted as 3).
  CHECK(test::usage_message([] {
          scale::parse_policy("target_tasks_per_pod: 2.5\n", "p.yaml");
        }).find("key 'target_tasks_per_pod'") != std::string::npos);
  CHECK(test::usage_message([] {
          scale::parse_policy("activation_threshold: 1.5\n", "p.yaml");
        }).find("key 'activation_threshold'") != std::string::npos);
  CHECK(test::usage_message([] {
          scale::parse_policy("scale_up:\n  max_percent_per_period: 1.5\n", "p.yaml");
        }).find("'1.5' is not a whole number") != std::string::npos);
  CHECK(scale::parse_policy("target_tasks_per_pod: 10.0\n", "p.yaml").target_tasks_per_pod == 10);  // whole
  // Kubernetes refuses an HPA behavior policy of value 0.
  for (const char* key : {"max_pods_per_period", "max_percent_per_period"}) {
    CAPTURE(key);
    CHECK(test::usage_message([&] {
            scale::parse_policy(std::string("scale_up:\n  ") + key + ": 0\n", "p.yaml");
          }).find("key 'scale_up." + std::string(key) + "': '0' is out of range") != std::string::npos);
  }
  CHECK(test::usage_message([] {
          scale::parse_policy("scale_up:\n  max_pods_per_period: -1\n", "p.yaml");
        }).find("file p.yaml:2: key 'scale_up.max_pods_per_period': '-1' is out of range") != std::string::npos);
}

TEST_CASE("policy: a relative deadline of 0 or less is refused; --now takes real times only") {
  for (const char* bad : {"deadline_seconds: 0\n", "deadline_seconds: -5\n"}) {
    CAPTURE(bad);
    CHECK(test::usage_message([&] { scale::parse_policy(bad, "p.yaml"); }).find("is out of range") !=
          std::string::npos);
  }
  for (const char* bad : {"nan", "inf", "-5", "1e20", "x", "1970-01-01T00:00:10.Z", "1970-01-01T00:00:10.5"}) {
    CAPTURE(bad);
    CHECK(test::usage_message([&] { scale::resolve_now(bad); }).find("not a UTC timestamp or epoch seconds") !=
          std::string::npos);
  }
  CHECK(scale::resolve_now("1795629600") == 1795629600.0);
  CHECK(scale::resolve_now("1970-01-01T00:00:10Z") == 10.0);
  CHECK(scale::resolve_now("1970-01-01T00:00:10.25Z") == 10.25);  // RFC 3339's fraction: was refused
}

TEST_CASE("policy: a strategy is named in any case, as every fixed set of values") {
  CHECK(scale::parse_policy("strategy: HPA\n", "p.yaml").strategy == scale::Strategy::hpa);  // was refused
  CHECK(scale::parse_strategy("Scaledjob-Eager", "--strategy") == scale::Strategy::scaledjob_eager);
}

TEST_CASE("policy: an unknown strategy lists the known ones and suggests one") {
  CHECK(
      test::usage_message([] { scale::parse_policy("strategy: scaledjob-acurate\n", "p.yaml"); }) ==
      "file p.yaml:1: unknown strategy 'scaledjob-acurate': expected one of hpa, scaledjob-default, scaledjob-accurate, "
      "scaledjob-eager, deadline (hint: did you mean 'scaledjob-accurate'?)");
}

TEST_CASE("policy: unknown keys, wrong types, bad timestamps, bad YAML") {
  CHECK(
      test::usage_message([] { scale::parse_policy("max_replica: 3\n", "p.yaml"); }) ==
      "file p.yaml:1: unknown key 'max_replica' (hint: did you mean 'max_replicas'? (configs/scaling.yaml lists every key))");
  CHECK(test::usage_message([] { scale::parse_policy("max_replicas: many\n", "p.yaml"); }) ==
        "file p.yaml:1: key 'max_replicas': 'many' is not an integer (hint: expected an integer from 1 to 100000)");
  CHECK(test::usage_message([] { scale::parse_policy("max_replicas: 2.5\n", "p.yaml"); }).find("is not an integer") !=
        std::string::npos);
  CHECK(
      test::usage_message([] { scale::parse_policy("deadline_at: tomorrow\n", "p.yaml"); }) ==
      "file p.yaml:1: key 'deadline_at': 'tomorrow' is not a UTC timestamp (hint: write it like 2026-11-25T19:00:00Z)");
  CHECK(test::usage_message([] {
          scale::parse_policy("max_replicas: [1, 2]\n", "p.yaml");
        }).find("a list is not allowed") != std::string::npos);
  // A section given a value is said to be one, not an unknown key.
  CHECK(test::usage_message([] { scale::parse_policy("scale_up: 3\n", "p.yaml"); }) ==
        "config 'p.yaml:1': 'scale_up' must be a section (a mapping of keys), not a single value (hint: write its "
        "keys below it, indented (such as 'scale_up.stabilization_window_seconds'))");
  CHECK(test::usage_message([] {
          scale::parse_policy("task_seconds: [1, 2]\n", "p.yaml");
        }).find("'task_seconds' must be a section (a mapping of keys), not a list") != std::string::npos);
  CHECK(test::usage_message([] {
          scale::parse_policy("max_replicas: 3\n  bad: [\n", "p.yaml");
        }).find("malformed YAML") != std::string::npos);
}
