// Config layers: parsing and validating values from defaults, YAML, environment and flags.
#include "config/config.hpp"

#include <filesystem>
#include <map>

#include <yaml-cpp/yaml.h>

#include "config/value_parse.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"

extern char** environ;

namespace swath::config {

namespace {

constexpr std::string_view env_prefix = "SWATH_";

std::string yaml_where(const std::string& name, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.line < 0) return name;
  return name + ":" + std::to_string(mark.line + 1);
}

std::string scalar_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsSequence()) {
    std::string out;
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) return {};
      out += (i ? "," : "") + node[i].Scalar();
    }
    return out;
  }
  return {};
}

}  // namespace

std::string Origin::describe() const {
  switch (layer) {
    case Layer::builtin:
      return "default";
    case Layer::file:
      return "file " + where;
    case Layer::env:
      return "env " + where;
    case Layer::flag:
      return "flag " + where;
    case Layer::task:
      return "task option " + where;
  }
  return "default";
}

Config::Config(Schema schema) : schema_(std::move(schema)) {
  for (const auto& spec : schema_.keys()) {
    entries_[spec.key] = Entry{parse_value(spec, spec.default_text, "built-in default"), spec.default_text, Origin{}};
  }
}

std::string Config::unknown_key_hint(std::string_view key) const {
  if (auto suggestion = schema_.suggest(key))
    return "did you mean '" + *suggestion + "'? (" + schema_.listed_by() + ")";
  return schema_.listed_by();
}

void Config::set(std::string_view key, std::string_view text, Origin origin) {
  const KeySpec* spec = schema_.find(key);
  const std::string place = origin.describe();
  if (spec == nullptr) {
    throw core::UsageError(place + ": unknown key '" + std::string(key) + "'", "", unknown_key_hint(key));
  }
  Scalar value = parse_value(*spec, text, place);
  std::string stored = spec->type == Type::choice ? std::get<std::string>(value) : std::string(text);
  entries_[spec->key] = Entry{std::move(value), std::move(stored), std::move(origin)};
}

void Config::load_file(const std::string& path) {
  // An ifstream "reads" a directory as an empty file: defaults, silently. A pipe (--config <(...)) is fine.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw core::UsageError("config file '" + path + "'", "no such file",
                           "check the path given by --config or SWATH_CONFIG");
  }
  if (std::filesystem::is_directory(status)) {
    throw core::UsageError("config file '" + path + "'", "it is a directory",
                           "give a YAML file, e.g. configs/swath.yaml");
  }
  load_yaml(core::read_file(path), path);
}

namespace {

// Whether a line of `text` starts a YAML document ("---", alone or before content).
bool has_document_separator(std::string_view text) {
  for (std::size_t start = 0; start < text.size();) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto line = text.substr(start, end - start);
    if (line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r'))
      return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

void Config::load_yaml(std::string_view yaml_text, const std::string& name) {
  YAML::Node root;
  try {
    // Several documents (--- between them) would be read as the first alone, the others silently ignored; empty
    // ones (a trailing ---, a comment after one) hold nothing to lose.
    std::vector<YAML::Node> documents;
    for (const auto& document : YAML::LoadAll(std::string(yaml_text))) {
      if (!document.IsNull() && !(document.IsMap() && document.size() == 0)) documents.push_back(document);
    }
    if (documents.size() > 1 && !has_document_separator(yaml_text)) {
      // yaml-cpp reads lines of words without a colon (`swath config show`'s table) as documents of one scalar each.
      throw core::UsageError("config '" + name + "'", "the top level must be a mapping of sections, not lines of words",
                             "write sections with their keys indented below them, e.g. 'tile:' and then '  size: 512' "
                             "(`swath config show` prints a table to read, not a config file)");
    }
    if (documents.size() > 1) {
      throw core::UsageError(
          "config '" + name + "'",
          "it holds " + std::to_string(documents.size()) + " YAML documents (separated by ---); swath reads one",
          "merge them into one document, or give each its own file");
    }
    if (!documents.empty()) root = documents.front();
  } catch (const YAML::Exception& e) {
    throw core::UsageError("config '" + name + "' line " + std::to_string(e.mark.line + 1) + ", column " +
                               std::to_string(e.mark.column + 1),
                           "malformed YAML: " + e.msg, "fix the YAML syntax (indentation, colons, quotes)");
  }
  if (root.IsNull()) return;  // an empty file sets nothing
  if (!root.IsMap()) {
    throw core::UsageError("config '" + name + "'", "the top level must be a mapping of sections",
                           "write sections with their keys indented below them, e.g. 'tile:' and then '  size: 512'");
  }
  load_mapping(&root, "", name);
}

// Nested mappings name keys by their path ("section.name", "scale_up.period_seconds"); a key that takes a
// value must get a scalar (or, for a list, a sequence), and a mapping only where keys continue below it.
void Config::load_mapping(const void* node, const std::string& prefix, const std::string& name) {
  const auto& mapping = *static_cast<const YAML::Node*>(node);
  // yaml-cpp keeps every entry of a key written twice (YAML forbids it) and the last would silently win.
  std::map<std::string, std::string> seen;  // key → where it was first set
  const auto first_key_below = [&](const std::string& section) -> std::string {
    for (const auto& s : schema_.keys()) {
      if (s.key.rfind(section + ".", 0) == 0) return s.key;
    }
    return "";
  };
  for (const auto& item : mapping) {
    const std::string key = prefix + item.first.as<std::string>();
    if (const auto [first, inserted] = seen.emplace(key, yaml_where(name, item.first)); !inserted) {
      throw core::UsageError("file " + yaml_where(name, item.first) + ": key '" + key + "'",
                             "set again (first at " + first->second + ")", "keep one of the two");
    }
    const KeySpec* spec = schema_.find(key);
    if (item.second.IsNull() && spec != nullptr) {
      // `size:` or `size: ~` read as "the default" would be a silent run on a value no one chose.
      throw core::UsageError("file " + yaml_where(name, item.first) + ": key '" + key + "'", "it has no value",
                             "give it one (expected " + expectation(*spec) + "), or remove the line for its default");
    }
    if (item.second.IsMap()) {
      if (spec != nullptr) {
        throw core::UsageError("config '" + yaml_where(name, item.first) + "'",
                               "key '" + key + "' must have a single value, not a mapping",
                               "expected " + expectation(*spec));
      }
      load_mapping(&item.second, key + ".", name);
      continue;
    }
    // A section given one value ("scale_up: 3"): its keys exist below it, so "unknown key" would send users astray.
    if (const auto below = spec == nullptr ? first_key_below(key) : ""; !below.empty()) {
      throw core::UsageError("config '" + yaml_where(name, item.first) + "'",
                             "'" + key + "' must be a section (a mapping of keys), not " +
                                 (item.second.IsSequence() ? "a list" : "a single value"),
                             "write its keys below it, indented (such as '" + below + "')");
    }
    if (spec == nullptr && prefix.empty() && !item.second.IsMap()) {
      bool sections = true;
      for (const auto& s : schema_.keys()) sections = sections && s.key.find('.') != std::string::npos;
      if (sections) {
        throw core::UsageError("config '" + yaml_where(name, item.first) + "'",
                               "'" + key + "' must be a section (a mapping of keys)", unknown_key_hint(key));
      }
    }
    if (item.second.IsSequence() && spec != nullptr && spec->type != Type::list) {
      throw core::UsageError("file " + yaml_where(name, item.first) + ": key '" + key + "'",
                             "a list is not allowed here", "expected " + expectation(*spec));
    }
    set(key, scalar_text(item.second), Origin{Layer::file, yaml_where(name, item.first)});
  }
}

namespace {
void refuse_single_underscore(const Schema& schema, const std::string& name) {
  const std::string rest = name.substr(env_prefix.size());
  for (auto underscore = rest.find('_'); underscore != std::string::npos; underscore = rest.find('_', underscore + 1)) {
    const std::string key = core::to_lower(rest.substr(0, underscore) + "." + rest.substr(underscore + 1));
    if (schema.find(key) == nullptr) continue;
    const std::string meant = std::string(env_prefix) + rest.substr(0, underscore) + "__" + rest.substr(underscore + 1);
    throw core::UsageError("environment variable " + name,
                           "not a config key: section and key are parted by two underscores",
                           "rename it " + meant + " (config key " + key + ")");
  }
}
}  // namespace

void Config::load_environment(const std::vector<std::string>& environment) {
  for (const auto& assignment : environment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = assignment.substr(0, eq);
    if (name.rfind(env_prefix, 0) != 0) continue;
    const auto separator = name.find("__", env_prefix.size());
    if (separator == std::string::npos) {       // SWATH_CONFIG and friends are not keys...
      refuse_single_underscore(schema_, name);  // ...but SWATH_TILE_SIZE meant one and would be ignored
      continue;
    }
    const std::string key = core::to_lower(name.substr(env_prefix.size(), separator - env_prefix.size()) + "." +
                                           name.substr(separator + 2));
    set(key, assignment.substr(eq + 1), Origin{Layer::env, name});
  }
}

const Entry& Config::entry(std::string_view key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) {
    throw core::UsageError("config key '" + std::string(key) + "'", "not in the schema (a bug in swath)");
  }
  return it->second;
}

bool Config::get_bool(std::string_view key) const { return std::get<bool>(entry(key).value); }
std::int64_t Config::get_int(std::string_view key) const { return std::get<std::int64_t>(entry(key).value); }
double Config::get_number(std::string_view key) const {
  const auto& value = entry(key).value;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  return std::get<double>(value);
}
const std::string& Config::get_string(std::string_view key) const { return std::get<std::string>(entry(key).value); }
const std::vector<std::string>& Config::get_list(std::string_view key) const {
  return std::get<std::vector<std::string>>(entry(key).value);
}

core::Json to_json(const Config& config) {
  core::Json out = core::Json::object();
  for (const auto& spec : config.schema().keys()) {
    const Entry& e = config.entry(spec.key);
    out.set(spec.key, core::Json::Object{{"value", to_json(e.value)}, {"source", e.origin.describe()}});
  }
  return out;
}

core::Json Config::section_json(std::string_view section) const {
  core::Json out = core::Json::object();
  const std::string prefix = std::string(section) + ".";
  for (const auto& spec : schema_.keys()) {
    if (spec.key.rfind(prefix, 0) == 0) out.set(spec.key.substr(prefix.size()), to_json(entry(spec.key).value));
  }
  return out;
}

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace swath::config
