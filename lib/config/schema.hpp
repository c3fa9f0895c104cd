// The table of every config key swath knows: type, default, allowed range, help.
// One section per module; a key is `section.name`, in YAML `section: {name: value}`,
// in the environment SWATH_SECTION__NAME.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swath::config {

enum class Type { boolean, integer, number, string, choice, bytes, list };

struct KeySpec {
  std::string key;            // "tile.size"
  Type type;
  std::string default_text;   // parsed like any other layer's text
  double min = 0;             // integer, number, bytes: inclusive range
  double max = 0;
  std::vector<std::string> choices;  // choice
  std::string help;
};

const std::vector<KeySpec>& schema();
const KeySpec* find_key(std::string_view key);
// The known key closest to `key` (edit distance), or nothing when none is close.
std::optional<std::string> suggest_key(std::string_view key);
// "an integer from 16 to 65536", "one of pad, shrink", ...: what a value of this key must be.
std::string expectation(const KeySpec& spec);

}  // namespace swath::config
