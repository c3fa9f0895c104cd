// Loads configs/scaling.yaml with yaml-cpp: a table of known keys, each with its type and range, so every
// error can name the file, the line, the key and the value.
#include "scale/policy.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <ctime>
#include <functional>
#include <limits>
#include <map>

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

std::string located(const std::string& name, const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.line < 0 ? name : name + ":" + std::to_string(mark.line + 1);
}

// How one key is read: as a number within [min, max], an integer, or text.
struct KeyRule {
  std::string key;
  enum class Kind { number, integer, text } kind;
  double min;
  double max;
  std::function<void(Policy&, double)> set_number;
  std::function<void(Policy&, const std::string&, const std::string&)> set_text;  // (policy, value, where)
};

KeyRule number(std::string key, double min, double max, std::function<void(Policy&, double)> set) {
  return {std::move(key), KeyRule::Kind::number, min, max, std::move(set), {}};
}
KeyRule integer(std::string key, double min, double max, std::function<void(Policy&, double)> set) {
  return {std::move(key), KeyRule::Kind::integer, min, max, std::move(set), {}};
}
KeyRule text(std::string key, std::function<void(Policy&, const std::string&, const std::string&)> set) {
  return {std::move(key), KeyRule::Kind::text, 0, 0, {}, std::move(set)};
}

constexpr double kBig = 1e9;

void add_rate_rules(std::vector<KeyRule>& rules, const std::string& prefix, RateRules Policy::*member) {
  rules.push_back(number(prefix + ".stabilization_window_seconds", 0, 3600,
                         [member](Policy& p, double v) { (p.*member).stabilization_window_seconds = v; }));
  rules.push_back(integer(prefix + ".max_pods_per_period", 0, 100000,
                          [member](Policy& p, double v) { (p.*member).max_pods_per_period = static_cast<int>(v); }));
  rules.push_back(number(prefix + ".max_percent_per_period", 0, 10000,
                         [member](Policy& p, double v) { (p.*member).max_percent_per_period = v; }));
  rules.push_back(number(prefix + ".period_seconds", 1, 1800, [member](Policy& p, double v) { (p.*member).period_seconds = v; }));
}

const std::vector<KeyRule>& key_rules() {
  static const std::vector<KeyRule> rules = [] {
    std::vector<KeyRule> r = {
        text("strategy", [](Policy& p, const std::string& v, const std::string& where) { p.strategy = parse_strategy(v, where); }),
        integer("min_replicas", 0, 100000, [](Policy& p, double v) { p.min_replicas = static_cast<int>(v); }),
        integer("max_replicas", 1, 100000, [](Policy& p, double v) { p.max_replicas = static_cast<int>(v); }),
        number("target_tasks_per_pod", 0.001, kBig, [](Policy& p, double v) { p.target_tasks_per_pod = v; }),
        number("activation_threshold", 0, kBig, [](Policy& p, double v) { p.activation_threshold = v; }),
        number("polling_interval_seconds", 1, 3600, [](Policy& p, double v) { p.polling_interval_seconds = v; }),
        number("cooldown_seconds", 0, 86400, [](Policy& p, double v) { p.cooldown_seconds = v; }),
        number("tolerance", 0, 1, [](Policy& p, double v) { p.tolerance = v; }),
        number("deadline_seconds", -kBig, kBig, [](Policy& p, double v) { p.deadline_seconds = v; }),
        text("deadline_at",
             [](Policy& p, const std::string& v, const std::string& where) {
               if (v.empty()) return;
               const auto epoch = parse_utc_timestamp(v);
               if (!epoch) {
                 throw core::UsageError(where + ": key 'deadline_at'", "'" + v + "' is not a UTC timestamp",
                                        "write it like 2026-11-25T19:00:00Z");
               }
               p.deadline_at_epoch = epoch;
               p.deadline_seconds.reset();  // an absolute deadline replaces the default relative one
             }),
        number("pod_startup_seconds", 0, 86400, [](Policy& p, double v) { p.pod_startup_seconds = v; }),
        number("cost_per_pod_hour", 0, kBig, [](Policy& p, double v) { p.cost_per_pod_hour = v; }),
        number("task_seconds.p50", 0.001, kBig, [](Policy& p, double v) { p.task_seconds_p50 = v; }),
        number("task_seconds.p95", 0.001, kBig, [](Policy& p, double v) { p.task_seconds_p95 = v; }),
        integer("hysteresis_replicas", 0, 100000, [](Policy& p, double v) { p.hysteresis_replicas = static_cast<int>(v); }),
        number("worker_grace_seconds", 0, 86400, [](Policy& p, double v) { p.worker_grace_seconds = v; }),
    };
    add_rate_rules(r, "scale_up", &Policy::scale_up);
    add_rate_rules(r, "scale_down", &Policy::scale_down);
    return r;
  }();
  return rules;
}

const KeyRule* find_rule(const std::string& key) {
  for (const auto& rule : key_rules()) {
    if (rule.key == key) return &rule;
  }
  return nullptr;
}

std::string expectation(const KeyRule& rule) {
  auto fmt = [](double v) {
    if (std::fabs(v) >= kBig) return std::string(v < 0 ? "-inf" : "inf");
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  const std::string what = rule.kind == KeyRule::Kind::integer ? "an integer" : "a number";
  return "expected " + what + " from " + fmt(rule.min) + " to " + fmt(rule.max);
}

void apply_scalar(Policy& policy, const KeyRule& rule, const YAML::Node& node, const std::string& where) {
  const std::string value = node.Scalar();
  const std::string subject = where + ": key '" + rule.key + "'";
  if (rule.kind == KeyRule::Kind::text) {
    rule.set_text(policy, value, where);
    return;
  }
  double v = 0;
  try {
    std::size_t used = 0;
    v = std::stod(value, &used);
    if (used != value.size() || !std::isfinite(v)) throw std::invalid_argument(value);
  } catch (const std::exception&) {
    throw core::UsageError(subject, "'" + value + "' is not a number", expectation(rule));
  }
  if (rule.kind == KeyRule::Kind::integer && std::nearbyint(v) != v) {
    throw core::UsageError(subject, "'" + value + "' is not an integer", expectation(rule));
  }
  if (v < rule.min || v > rule.max) {
    const std::string why = v < 0 && rule.min >= 0 ? "'" + value + "' is negative" : "'" + value + "' is out of range";
    throw core::UsageError(subject, why, expectation(rule));
  }
  rule.set_number(policy, v);
}

using Locations = std::map<std::string, std::string>;  // key → "file:line"

void apply_map(Policy& policy, const YAML::Node& map, const std::string& prefix, const std::string& name,
               Locations& locations) {
  for (const auto& item : map) {
    const std::string key = prefix + item.first.as<std::string>();
    const std::string where = located(name, item.first);
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      apply_map(policy, value, key + ".", name, locations);
      continue;
    }
    const KeyRule* rule = find_rule(key);
    if (rule == nullptr) {
      std::vector<std::string> known;
      for (const auto& r : key_rules()) known.push_back(r.key);
      const auto close = core::closest_match(key, known);
      throw core::UsageError(where + ": unknown key '" + key + "'", "not a scaling policy key",
                             close ? "did you mean '" + *close + "'?" : "see configs/scaling.yaml for every key");
    }
    if (!value.IsScalar() && !value.IsNull()) {
      throw core::UsageError(where + ": key '" + key + "'", "a list is not allowed here", expectation(*rule));
    }
    if (value.IsNull()) continue;  // `key:` with no value keeps the default
    locations[key] = located(name, value);
    apply_scalar(policy, *rule, value, locations[key]);
  }
}

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
  for (const auto& [s, n] : strategy_table()) {
    if (n == name) return s;
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
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(s.size())) {
    return std::nullopt;
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm));
}

namespace {
void check_cross_fields(const Policy& policy, const std::function<std::string(const std::string&)>& where) {
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
}
}  // namespace

Policy parse_policy(std::string_view yaml_text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw core::UsageError(name + ":" + std::to_string(e.mark.line + 1), "not valid YAML: " + e.msg);
  }
  Policy policy;
  if (root.IsNull()) return policy;
  if (!root.IsMap()) throw core::UsageError(name, "a scaling policy must be a YAML mapping", "see configs/scaling.yaml");
  Locations locations;
  apply_map(policy, root, "", name, locations);
  if (locations.count("deadline_seconds") != 0 && locations.count("deadline_at") != 0) {
    throw core::UsageError(locations["deadline_at"] + ": key 'deadline_at'",
                           "conflicts with deadline_seconds (" + locations["deadline_seconds"] + ")",
                           "give a relative deadline_seconds or an absolute deadline_at, not both");
  }
  check_cross_fields(policy, [&](const std::string& key) {
    const auto found = locations.find(key);
    return found == locations.end() ? name : found->second;
  });
  return policy;
}

Policy load_policy(const std::string& path) { return parse_policy(core::read_file(path), path); }

}  // namespace swath::scale
