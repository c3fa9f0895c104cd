// Config keys: what one key is (type, default, range, help, flag) and a schema, the keys a Config knows.
// Modules declare their keys in option tables (config/option_table.hpp); the application composes the
// schema from them. A key is `section.name` (`section.group.name` for nested YAML), in the environment
// SWATH_SECTION__NAME.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swath::config {

enum class Type { boolean, integer, number, string, choice, bytes, list };

struct KeySpec {
  std::string key;  // "tile.size"
  Type type = Type::string;
  std::string default_text;  // parsed like any other layer's text
  double min = 0;            // integer, number, bytes: inclusive range
  double max = 0;
  std::vector<std::string> choices;  // choice
  std::string help;
  std::string flag;  // the command-line flag that sets it ("--size", "-f,--format"); empty: none
};

class Schema {
 public:
  Schema() = default;
  // Adds keys; a key declared twice is a bug in swath (std::logic_error).
  Schema& add(const std::vector<KeySpec>& keys);

  // What a message about an unknown key points to, e.g. "swath config show lists every key".
  Schema& listed_by(std::string where) {
    listed_by_ = std::move(where);
    return *this;
  }
  const std::string& listed_by() const { return listed_by_; }

  const std::vector<KeySpec>& keys() const { return keys_; }
  const KeySpec* find(std::string_view key) const;
  // The known key closest to `key` (edit distance), or nothing when none is close.
  std::optional<std::string> suggest(std::string_view key) const;

 private:
  std::vector<KeySpec> keys_;
  std::string listed_by_ = "swath config show lists every key";
};

// "an integer from 16 to 65536", "one of pad, shrink", ...: what a value of this key must be.
std::string expectation(const KeySpec& spec);

// A number as the shortest text that reads back as the same double ("1e-06", "0.5", "512").
std::string number_text(double value);
// A size in bytes as a config value: "256MiB", "2GiB", "1000" (the largest binary unit that divides it).
std::string byte_size_text(std::int64_t bytes);

}  // namespace swath::config
