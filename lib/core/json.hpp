// A small JSON value: ordered objects and shortest round-trip numbers, so the same value always
// serialises to the same bytes (manifests, task envelopes, --json output, log lines).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace swath::core {

class Json {
 public:
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;  // insertion order is output order

  Json() = default;  // null
  Json(std::nullptr_t) {}
  Json(bool b) : value_(b) {}
  Json(int v) : value_(static_cast<std::int64_t>(v)) {}
  Json(long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(long long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(unsigned long long v) : value_(static_cast<std::int64_t>(v)) {}
  Json(double v) : value_(v) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}

  static Json object() { return Json(Object{}); }
  static Json array() { return Json(Array{}); }

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_bool() const { return std::holds_alternative<bool>(value_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(value_); }
  bool is_number() const { return is_int() || std::holds_alternative<double>(value_); }
  bool is_string() const { return std::holds_alternative<std::string>(value_); }
  bool is_array() const { return std::holds_alternative<Array>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }

  // Typed access; throws DataError naming the expected type when the value has another.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;

  // Object access: `set` replaces or appends; `find` returns nullptr when absent.
  Json& set(std::string key, Json value);
  const Json* find(std::string_view key) const;
  const Json& at(std::string_view key) const;  // throws DataError when absent
  Json& push_back(Json value);

  std::string dump() const;                  // compact, one line
  static Json parse(std::string_view text);  // throws DataError with the byte offset

  // Numbers compare by value: 49.0 written is read back as the integer 49 (dump() writes the shortest text).
  friend bool operator==(const Json& a, const Json& b) {
    if (a.is_number() && b.is_number() && a.is_int() != b.is_int()) return a.as_double() == b.as_double();
    return a.value_ == b.value_;
  }

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> value_;
};

// Appends `text` as a JSON string literal (quotes included) with every control character escaped. Bytes are kept as
// they are: swath's own records (tasks, manifests) carry file names that must read back byte for byte, whatever
// their encoding. With `utf8_only`, each byte outside well-formed UTF-8 becomes U+FFFD, for what others parse as
// JSON (RFC 8259 requires UTF-8): log lines; --json reports and GeoJSON go through core::valid_utf8 whole.
void append_json_string(std::string& out, std::string_view text, bool utf8_only = false);
// Shortest text that reads back as the same double; non-finite values become null.
void append_json_number(std::string& out, double value);

}  // namespace swath::core
