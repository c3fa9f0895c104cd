// Typed parsing of config values.
#include "config/value_parse.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace swath::config {

namespace {

[[noreturn]] void reject(const KeySpec& spec, std::string_view text, const std::string& place, const std::string& why) {
  throw core::UsageError(place + ": key '" + spec.key + "'", "'" + std::string(text) + "' " + why,
                         "expected " + expectation(spec));
}

void check_range(const KeySpec& spec, std::string_view text, const std::string& place, double v) {
  if (v < spec.min || v > spec.max) reject(spec, text, place, "is out of range");
}

}  // namespace

std::optional<double> parse_byte_size(std::string_view text) {
  const std::string t = core::trim(text);
  std::size_t digits_end = 0;
  while (digits_end < t.size() && (std::isdigit(static_cast<unsigned char>(t[digits_end])) || t[digits_end] == '.'))
    ++digits_end;
  const auto number = core::parse_double(std::string_view(t).substr(0, digits_end));
  if (!number) return std::nullopt;
  const std::string unit = core::to_lower(core::trim(std::string_view(t).substr(digits_end)));
  double scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    scale = 1024.0;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb" || unit == "tib")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  return std::floor(*number * scale);
}

Scalar parse_value(const KeySpec& spec, std::string_view raw, const std::string& place) {
  const std::string text = core::trim(raw);
  switch (spec.type) {
    case Type::boolean: {
      const std::string t = core::to_lower(text);
      if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
      if (t == "false" || t == "no" || t == "off" || t == "0") return false;
      reject(spec, raw, place, "is not a boolean");
    }
    case Type::integer: {
      std::int64_t v = 0;
      const auto result = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size()) {
        reject(spec, raw, place, "is not an integer");
      }
      check_range(spec, raw, place, static_cast<double>(v));
      return v;
    }
    case Type::number: {
      const auto v = core::parse_double(text);
      if (!v) reject(spec, raw, place, "is not a number");
      check_range(spec, raw, place, *v);
      return *v;
    }
    case Type::bytes: {
      const auto v = parse_byte_size(text);
      if (!v) reject(spec, raw, place, "is not a size");
      check_range(spec, raw, place, *v);
      return static_cast<std::int64_t>(*v);
    }
    case Type::choice: {
      // In any case, stored as the choice is spelt: "png" and "PNG" are one value (and one fleet job).
      const auto found = std::find_if(spec.choices.begin(), spec.choices.end(),
                                      [&](const std::string& c) { return core::to_lower(c) == core::to_lower(text); });
      if (found == spec.choices.end()) reject(spec, raw, place, "is not allowed");
      return *found;
    }
    case Type::string:
      return std::string(raw);
    case Type::list: {
      std::vector<std::string> items;
      if (text.empty()) return items;
      if (text.front() == '[' && text.back() == ']') {
        // YAML's spelling, as configs/swath.yaml shows it, is no list here: "[COMPRESS" would be a key.
        throw core::UsageError(place + ": key '" + spec.key + "'",
                               "'" + std::string(raw) + "' is a YAML list; here a list is comma-separated",
                               "write it without brackets, e.g. '" + text.substr(1, text.size() - 2) + "'");
      }
      for (const auto& part : core::split(text, ',')) {
        items.push_back(core::trim(part));
        if (items.back().empty()) reject(spec, raw, place, "has an empty item");
      }
      return items;
    }
  }
  reject(spec, raw, place, "has an unknown type");
}

core::Json to_json(const Scalar& value) {
  return std::visit(
      [](const auto& v) -> core::Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          core::Json arr = core::Json::array();
          for (const auto& item : v) arr.push_back(item);
          return arr;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return core::Json(static_cast<long long>(v));
        } else {
          return core::Json(v);
        }
      },
      value);
}

}  // namespace swath::config
