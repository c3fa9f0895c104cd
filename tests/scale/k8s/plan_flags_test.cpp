// scale-plan's flag rules: a flag of another mode, or one the strategy in force makes no use of, is refused.
#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>
#include <utility>

#include "core/errors.hpp"
#include "scale/k8s/plan_flags.hpp"

using namespace swath;
using scale::k8s::PlanFlags;

namespace {

std::string refusal(const std::function<void()>& check) {
  try {
    check();
  } catch (const core::UsageError& e) {
    return core::describe(e);
  }
  return "";
}

PlanFlags flags(std::set<std::string> given) {
  PlanFlags f;
  f.given = std::move(given);
  return f;
}

}  // namespace

TEST_CASE("plan flags: each mode's flags only with that mode") {
  CHECK(refusal([] { scale::k8s::check_modes({}); }).empty());  // plan once from defaults
  PlanFlags f;
  f.apply = true;
  CHECK(refusal([&] { scale::k8s::check_modes(f); }).find("--apply") != std::string::npos);
  f.watch = true;
  CHECK(refusal([&] { scale::k8s::check_modes(f); }).empty());
  f.emit = "all";
  f.output = "k8s";
  CHECK(refusal([&] { scale::k8s::check_modes(f); }).find("--emit with --watch") != std::string::npos);
  PlanFlags plot = flags({"--plot"});
  plot.plot = "backlog.png";
  plot.simulate = "trace.csv";
  CHECK(refusal([&] { scale::k8s::check_modes(plot); }).find("backlog.svg") != std::string::npos);
  PlanFlags stray = flags({"--now"});
  stray.simulate = "trace.csv";
  CHECK(refusal([&] { scale::k8s::check_modes(stray); }).find("--now") != std::string::npos);
}

TEST_CASE("plan flags: those the strategy in force or the kinds emitted make no use of") {
  const PlanFlags pending = flags({"--pending-jobs"});
  CHECK(refusal([&] { scale::k8s::check_flags_used(pending, scale::Strategy::hpa); }).find("--pending-jobs") !=
        std::string::npos);
  CHECK(refusal([&] { scale::k8s::check_flags_used(pending, scale::Strategy::scaledjob_eager); }).empty());
  PlanFlags shards = flags({"--shards", "--emit", "--output"});
  shards.emit = "job";
  shards.output = "k8s";
  CHECK(refusal([&] { scale::k8s::check_flags_used(shards, scale::Strategy::deadline); }).find("Indexed Job") !=
        std::string::npos);
  shards.emit = "all";
  CHECK(refusal([&] { scale::k8s::check_flags_used(shards, scale::Strategy::deadline); }).empty());
  const PlanFlags login = flags({"--allow-eviction"});
  CHECK(refusal([&] { scale::k8s::refuse_redis_login_flags(login, false); }).find("--allow-eviction") !=
        std::string::npos);
  CHECK(refusal([&] { scale::k8s::refuse_redis_login_flags(login, true); }).empty());
}
