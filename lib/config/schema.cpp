// Schemas: keys composed from the modules' tables, looked up by name, and what each key's values must be.
#include "config/schema.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/text.hpp"

namespace swath::config {

namespace {

std::string format_limit(double v) {
  if (std::fabs(v) >= 1e15) return v < 0 ? "-inf" : "inf";
  if (std::nearbyint(v) == v) return std::to_string(static_cast<long long>(v));
  return number_text(v);
}

}  // namespace

std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string byte_size_text(std::int64_t bytes) {
  static const std::pair<std::int64_t, const char*> units[] = {
      {1LL << 40, "TiB"}, {1LL << 30, "GiB"}, {1LL << 20, "MiB"}, {1LL << 10, "KiB"}};
  for (const auto& [size, unit] : units) {
    if (bytes != 0 && bytes % size == 0) return std::to_string(bytes / size) + unit;
  }
  return std::to_string(bytes);
}

Schema& Schema::add(const std::vector<KeySpec>& keys) {
  for (const auto& spec : keys) {
    if (find(spec.key) != nullptr) throw std::logic_error("config key '" + spec.key + "' is declared twice");
    keys_.push_back(spec);
  }
  return *this;
}

const KeySpec* Schema::find(std::string_view key) const {
  for (const auto& spec : keys_) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::optional<std::string> Schema::suggest(std::string_view key) const {
  std::vector<std::string> names;
  for (const auto& spec : keys_) names.push_back(spec.key);
  return core::closest_match(key, names);
}

std::string expectation(const KeySpec& spec) {
  switch (spec.type) {
    case Type::boolean:
      return "true or false";
    case Type::integer:
      return "an integer from " + format_limit(spec.min) + " to " + format_limit(spec.max);
    case Type::number:
      return "a number from " + format_limit(spec.min) + " to " + format_limit(spec.max);
    case Type::bytes:
      return "a size such as 512MiB or 2GiB, from " + format_limit(spec.min) + " to " + format_limit(spec.max) +
             " bytes";
    case Type::string:
      return "a string";
    case Type::list:
      return "a list (YAML sequence or comma-separated)";
    case Type::choice: {
      std::string out = "one of ";
      for (std::size_t i = 0; i < spec.choices.size(); ++i) out += (i ? ", " : "") + spec.choices[i];
      return out;
    }
  }
  return "a value";
}

}  // namespace swath::config
