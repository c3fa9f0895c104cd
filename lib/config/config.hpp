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

enum class Layer { builtin, file, env, flag };

struct Origin {
  Layer layer = Layer::builtin;
  std::string where;  // "swath.yaml:12", "SWATH_TILE__SIZE", "--size", ""
  std::string describe() const;  // "default", "file swath.yaml:12", "env SWATH_TILE__SIZE", "flag --size"
};

using Scalar = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

struct Entry {
  Scalar value;
  std::string text;  // as given, for messages and `config show`
  Origin origin;
};

class Config {
 public:
  // Every key at its built-in default.
  Config();

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
  core::Json to_json() const;
  // Only the values, nested by section: the options part of a provenance hash.
  core::Json section_json(std::string_view section) const;

 private:
  std::map<std::string, Entry, std::less<>> entries_;
};

// The process environment as NAME=value strings.
std::vector<std::string> process_environment();

}  // namespace swath::config
