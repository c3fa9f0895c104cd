// The scaling policy (configs/scaling.yaml) declared as an option table and read through the config layers,
// so every error names the file, the line, the key and the value, as for swath's own config.
#include "scale/policy.hpp"

#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>

#include "config/config.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"

namespace swath::scale {

namespace {

const std::vector<std::pair<Strategy, std::string>>& strategy_table() {
  static const std::vector<std::pair<Strategy, std::string>> table = {
      {Strategy::hpa, "hpa"},
      {Strategy::scaledjob_default, "scaledjob-default"},
      {Strategy::scaledjob_accurate, "scaledjob-accurate"},
      {Strategy::scaledjob_eager, "scaledjob-eager"},
      {Strategy::deadline, "deadline"},
  };
  return table;
}

constexpr double kBig = 1e15;  // shown as "inf"

// KEDA's listLength and activationListLength, and an HPA policy's value, are whole numbers: 10.0 is one, 2.5 is not
// (it was planned as 2.5 and written into the manifests as 3).
double whole_number(const config::Entry& e, const std::string& key) {
  const double value = std::get<double>(e.value);
  if (std::floor(value) != value) {
    throw core::UsageError(e.origin.describe() + ": key '" + key + "'",
                           "'" + e.text + "' is not a whole number: the Kubernetes objects take whole numbers only",
                           "round it, e.g. " + config::number_text(std::round(value)));
  }
  return value;
}

// A parser of `key`'s whole number.
auto whole(std::string key) {
  return [key = std::move(key)](const config::Entry& e) { return whole_number(e, key); };
}

// From 1: Kubernetes refuses an HPA behavior policy of value 0 (and such a rate would never move).
template <class At>
void add_rate_rules(config::OptionTable<Policy>& table, const std::string& prefix, At at) {
  table
      .number(
          {prefix + ".stabilization_window_seconds", "", "HPA behavior: stabilisation window"}, 0,
          3600, [at](Policy & p) -> auto& { return at(p).stabilization_window_seconds; })
      .integer(
          {prefix + ".max_pods_per_period", "", "HPA behavior: most pods added or removed per period"}, 1,
          100000, [at](Policy & p) -> auto& { return at(p).max_pods_per_period; })
      .parsed(
          {prefix + ".max_percent_per_period", "", "HPA behavior: most percent added or removed per period"},
          config::Type::number, [at](Policy & p) -> auto& { return at(p).max_percent_per_period; }, config::number_text,
          whole(prefix + ".max_percent_per_period"), {}, 1, 10000)
      .number(
          {prefix + ".period_seconds", "", "HPA behavior: the period of those limits"}, 1,
          1800, [at](Policy & p) -> auto& { return at(p).period_seconds; });
}

std::string optional_text(const std::optional<double>& v) { return v ? config::number_text(*v) : ""; }

}  // namespace

const std::vector<std::string>& strategy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [s, n] : strategy_table()) out.push_back(n);
    return out;
  }();
  return names;
}

std::string_view strategy_name(Strategy strategy) {
  for (const auto& [s, n] : strategy_table()) {
    if (s == strategy) return n;
  }
  return "?";
}

Strategy parse_strategy(std::string_view name, const std::string& where) {
  const std::string lower = core::to_lower(std::string(name));  // a fixed set of values takes them in any case
  for (const auto& [s, n] : strategy_table()) {
    if (n == lower) return s;
  }
  const auto close = core::closest_match(name, strategy_names());
  std::string all;
  for (const auto& n : strategy_names()) all += (all.empty() ? "" : ", ") + n;
  throw core::UsageError(where + ": unknown strategy '" + std::string(name) + "'", "expected one of " + all,
                         close ? "did you mean '" + *close + "'?" : "");
}

std::optional<double> parse_utc_timestamp(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  // RFC 3339's fraction of a second (".5"), then Z.
  double fraction = 0;
  std::size_t at = static_cast<std::size_t>(consumed);
  if (at < s.size() && s[at] == '.') {
    const std::size_t digits = s.find_first_not_of("0123456789", at + 1);
    if (digits == at + 1) return std::nullopt;
    fraction = std::stod("0" + s.substr(at, (digits == std::string::npos ? s.size() : digits) - at));
    at = digits == std::string::npos ? s.size() : digits;
  }
  if (s.substr(at) != "Z" && s.substr(at) != "z") return std::nullopt;
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + fraction;
}

const config::OptionTable<Policy>& policy_table() {
  using config::Entry;
  static const auto table = [] {
    config::OptionTable<Policy> t("");
    t.parsed(
         {"strategy", "", "hpa, scaledjob-default, scaledjob-accurate, scaledjob-eager or deadline"},
         config::Type::string, [](Policy & p) -> auto& { return p.strategy; },
         [](Strategy s) { return std::string(strategy_name(s)); },
         [](const Entry& e) { return parse_strategy(std::get<std::string>(e.value), e.origin.describe()); })
        .integer(
            {"min_replicas", "", "fewest pods"}, 0, 100000, [](Policy & p) -> auto& { return p.min_replicas; })
        .integer(
            {"max_replicas", "", "most pods"}, 1, 100000, [](Policy & p) -> auto& { return p.max_replicas; })
        .parsed(
            {"target_tasks_per_pod", "", "KEDA target: unfinished tasks per replica or per job (a whole number)"},
            config::Type::number, [](Policy & p) -> auto& { return p.target_tasks_per_pod; }, config::number_text,
            whole("target_tasks_per_pod"), {}, 1, kBig)
        .parsed(
            {"activation_threshold", "", "unfinished tasks must exceed this to wake from zero (a whole number)"},
            config::Type::number, [](Policy & p) -> auto& { return p.activation_threshold; }, config::number_text,
            whole("activation_threshold"), {}, 0, kBig)
        .number(
            {"polling_interval_seconds", "", "KEDA pollingInterval"}, 1, 3600,
            [](Policy & p) -> auto& { return p.polling_interval_seconds; })
        .number(
            {"cooldown_seconds", "", "KEDA cooldownPeriod"}, 0, 86400,
            [](Policy & p) -> auto& { return p.cooldown_seconds; })
        .number(
            {"tolerance", "", "HPA: no change while the usage ratio is within this of 1"}, 0, 1,
            [](Policy & p) -> auto& { return p.tolerance; })
        .parsed(
            {"deadline_seconds", "", "drain everything within this long"}, config::Type::number,
            [](Policy & p) -> auto& { return p.deadline_seconds; }, optional_text,
            // At least a second from now: 0 or -5 read "the deadline passed -0s ago", max replicas at once.
            [](const Entry& e) { return std::optional<double>(std::get<double>(e.value)); }, {}, 1, kBig)
        .parsed(
            {"deadline_at", "", "or an absolute UTC deadline, e.g. 2026-11-25T19:00:00Z"}, config::Type::string,
            [](Policy & p) -> auto& { return p.deadline_at_epoch; }, optional_text,
            [](const Entry& e) -> std::optional<double> {
              const auto& text = std::get<std::string>(e.value);
              if (text.empty()) return std::nullopt;
              if (const auto epoch = parse_utc_timestamp(text)) return epoch;
              throw core::UsageError(e.origin.describe() + ": key 'deadline_at'",
                                     "'" + text + "' is not a UTC timestamp", "write it like 2026-11-25T19:00:00Z");
            })
        .number(
            {"pod_startup_seconds", "", "from asking for a pod to its first task"}, 0, 86400,
            [](Policy & p) -> auto& { return p.pod_startup_seconds; })
        .number(
            {"cost_per_pod_hour", "", "cost of one pod for an hour"}, 0, kBig,
            [](Policy & p) -> auto& { return p.cost_per_pod_hour; })
        .number(
            {"task_seconds.p50", "", "median task time until the queue has measured it"}, 0.001, kBig,
            [](Policy & p) -> auto& { return p.task_seconds_p50; })
        .number(
            {"task_seconds.p95", "", "95th percentile task time until the queue has measured it"}, 0.001, kBig,
            [](Policy & p) -> auto& { return p.task_seconds_p95; })
        .integer(
            {"hysteresis_replicas", "", "--watch acts only when the plan moves by more than this"}, 0, 100000,
            [](Policy & p) -> auto& { return p.hysteresis_replicas; })
        .number(
            {"worker_grace_seconds", "", "the worker's shutdown grace"}, 0, 86400,
            [](Policy & p) -> auto& { return p.worker_grace_seconds; });
    add_rate_rules(t, "scale_up", [](Policy& p) -> RateRules& { return p.scale_up; });
    add_rate_rules(t, "scale_down", [](Policy& p) -> RateRules& { return p.scale_down; });
    return t;
  }();
  return table;
}

Policy parse_policy(std::string_view yaml_text, const std::string& name) {
  config::Config config(config::Schema().add(policy_table().specs()).listed_by("configs/scaling.yaml lists every key"));
  config.load_yaml(yaml_text, name);
  Policy policy = policy_table().apply(config);
  // Where a key was set, for messages across keys: its file and line, or the file when it kept its default.
  auto where = [&](const std::string& key) {
    const auto& origin = config.entry(key).origin;
    return origin.layer == config::Layer::builtin ? "file " + name : origin.describe();
  };
  const bool relative = config.entry("deadline_seconds").origin.layer != config::Layer::builtin;
  if (policy.deadline_at_epoch) {
    if (relative) {
      throw core::UsageError(where("deadline_at") + ": key 'deadline_at'",
                             "conflicts with deadline_seconds (" + where("deadline_seconds") + ")",
                             "give a relative deadline_seconds or an absolute deadline_at, not both");
    }
    policy.deadline_seconds.reset();  // an absolute deadline replaces the default relative one
  }
  if (policy.min_replicas > policy.max_replicas) {
    throw core::UsageError(where("min_replicas") + ": key 'min_replicas'",
                           "'" + std::to_string(policy.min_replicas) + "' is greater than max_replicas '" +
                               std::to_string(policy.max_replicas) + "' (" + where("max_replicas") + ")",
                           "set min_replicas <= max_replicas");
  }
  if (policy.task_seconds_p50 > policy.task_seconds_p95) {
    throw core::UsageError(where("task_seconds.p50") + ": key 'task_seconds.p50'", "is greater than task_seconds.p95",
                           "p50 <= p95");
  }
  return policy;
}

Policy load_policy(const std::string& path) {
  // Like --config: the policy is configuration, so a wrong path is a usage error (exit 2), not a failed run.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    throw core::UsageError("policy file '" + path + "'", "no such file", "check the path given by --policy");
  if (std::filesystem::is_directory(status))
    throw core::UsageError("policy file '" + path + "'", "it is a directory", "give a YAML file to --policy");
  return parse_policy(core::read_file(path), path);
}

}  // namespace swath::scale
