// Layered configuration: built-in defaults < YAML file < environment < command-line flags.
// Every value remembers where it came from, for `swath config show`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/schema.hpp"
#include "core/json.hpp"

namespace swath::config {

enum class Layer { builtin, file, env, flag, task };  // task: a fleet task's options, read back on a worker

struct Origin {
  Layer layer = Layer::builtin;
  std::string where;  // "swath.yaml:12", "SWATH_TILE__SIZE", "--size", "size" (a task option), ""
  // "default", "file swath.yaml:12", "env SWATH_TILE__SIZE", "flag --size", "task option size"
  std::string describe() const;
};

using Scalar = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

struct Entry {
  Scalar value;
  std::string text;  // as given, for messages and `config show`
  Origin origin;
};

class Config {
 public:
  // Every key of `schema` at its built-in default.
  explicit Config(Schema schema);

  // Layers; each throws UsageError naming the file and line, variable or flag, the key and the value
  // (load_file also for a file that does not exist or is a directory; IoError when it cannot be read).
  void load_file(const std::string& path);
  void load_yaml(std::string_view yaml_text, const std::string& name);
  void load_environment(const std::vector<std::string>& environment);  // "NAME=value" strings
  void set(std::string_view key, std::string_view text, Origin origin);

  bool get_bool(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  double get_number(std::string_view key) const;
  const std::string& get_string(std::string_view key) const;  // string and choice keys
  const std::vector<std::string>& get_list(std::string_view key) const;
  const Entry& entry(std::string_view key) const;

  // {"key": {"value": ..., "source": "..."}} in schema order.
  // Only the values of one section, by key within it: the options part of a provenance hash, a task's options.
  core::Json section_json(std::string_view section) const;
  const Schema& schema() const { return schema_; }

 private:
  void load_mapping(const void* node, const std::string& prefix, const std::string& name);
  std::string unknown_key_hint(std::string_view key) const;

  Schema schema_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// {"key": {"value": ..., "source": "..."}} of every key, in schema order (`swath config show --json`).
core::Json to_json(const Config& config);

// The process environment as NAME=value strings.
std::vector<std::string> process_environment();

}  // namespace swath::config
