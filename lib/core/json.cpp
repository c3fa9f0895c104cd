// JSON serialisation for swath's own documents (the parser is json_parse.cpp).
#include "core/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/errors.hpp"
#include "core/text.hpp"

namespace swath::core {

namespace {

const char* type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_bool()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

[[noreturn]] void wrong_type(const Json& j, const char* wanted) {
  throw DataError("JSON value", std::string("expected ") + wanted + ", found " + type_name(j));
}

void dump_to(std::string& out, const Json& j) {
  if (j.is_null()) {
    out += "null";
  } else if (j.is_bool()) {
    out += j.as_bool() ? "true" : "false";
  } else if (j.is_int()) {
    out += std::to_string(j.as_int());
  } else if (j.is_number()) {
    append_json_number(out, j.as_double());
  } else if (j.is_string()) {
    append_json_string(out, j.as_string());
  } else if (j.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& item : j.as_array()) {
      if (!first) out += ',';
      first = false;
      dump_to(out, item);
    }
    out += ']';
  } else {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : j.as_object()) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, key);
      out += ':';
      dump_to(out, value);
    }
    out += '}';
  }
}

}  // namespace

bool Json::as_bool() const {
  if (!is_bool()) wrong_type(*this, "a boolean");
  return std::get<bool>(value_);
}
std::int64_t Json::as_int() const {
  if (is_int()) return std::get<std::int64_t>(value_);
  if (std::holds_alternative<double>(value_)) {
    const double d = std::get<double>(value_);
    if (std::nearbyint(d) == d && std::fabs(d) < 9.0e18) return static_cast<std::int64_t>(d);
  }
  wrong_type(*this, "an integer");
}
double Json::as_double() const {
  if (is_int()) return static_cast<double>(std::get<std::int64_t>(value_));
  if (!is_number()) wrong_type(*this, "a number");
  return std::get<double>(value_);
}
const std::string& Json::as_string() const {
  if (!is_string()) wrong_type(*this, "a string");
  return std::get<std::string>(value_);
}
const Json::Array& Json::as_array() const {
  if (!is_array()) wrong_type(*this, "an array");
  return std::get<Array>(value_);
}
Json::Array& Json::as_array() {
  if (!is_array()) wrong_type(*this, "an array");
  return std::get<Array>(value_);
}
const Json::Object& Json::as_object() const {
  if (!is_object()) wrong_type(*this, "an object");
  return std::get<Object>(value_);
}

Json& Json::set(std::string key, Json value) {
  if (is_null()) value_ = Object{};
  if (!is_object()) wrong_type(*this, "an object");
  auto& members = std::get<Object>(value_);
  for (auto& [k, v] : members) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  members.emplace_back(std::move(key), std::move(value));
  return members.back().second;
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : std::get<Object>(value_)) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Json& Json::at(std::string_view key) const {
  const Json* found = find(key);
  if (found == nullptr) throw DataError("JSON", "missing field '" + std::string(key) + "'");
  return *found;
}

Json& Json::push_back(Json value) {
  if (is_null()) value_ = Array{};
  auto& items = as_array();
  items.push_back(std::move(value));
  return items.back();
}

std::string Json::dump() const {
  std::string out;
  dump_to(out, *this);
  return out;
}

void append_json_string(std::string& out, std::string_view text, bool utf8_only) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the run of characters that need no escape, appended in one go
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 && utf8_only) {  // a byte that is not part of a well-formed sequence becomes U+FFFD
      const std::size_t n = utf8_sequence_length(text, i);
      if (n > 0) {
        i += n - 1;
        continue;
      }
      out.append(text.data() + plain, i - plain);
      plain = i + 1;
      out += "\\ufffd";
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, result.ptr);
}

}  // namespace swath::core
