// A strict JSON parser (RFC 8259) for swath's own documents: Json::parse.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>
#include <span>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/json_lines.hpp"

namespace swath::core {

namespace {

// Appends nothing: a string checked as parse_string checks it, without building it.
struct Discard {
  void append(const char*, std::size_t) {}
  Discard& operator+=(char) { return *this; }
};

class Parser {
 public:
  explicit Parser(std::string_view text, std::span<const std::string_view> keep = {}) : text_(text), keep_(keep) {}

  Json parse_document() {
    Json value = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the JSON value");
    return value;
  }

 private:
  static constexpr int max_depth = 128;

  [[noreturn]] void fail(const std::string& why) const {
    throw DataError("JSON", why + " at byte " + std::to_string(pos_));
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  Json parse_value(int depth) {
    if (depth > max_depth) fail("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
    const char c = text_[pos_];
    if (c == '{') return parse_object(depth, depth == 0 && !keep_.empty());
    if (c == '[') return parse_array(depth);
    if (c == '"') return Json(parse_string());
    if (consume("true")) return Json(true);
    if (consume("false")) return Json(false);
    if (consume("null")) return Json();
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    fail(std::string("unexpected character '") + c + "'");
  }
  // With `kept_only` (the top-level object when keep_ names members), the members not in keep_ are checked as JSON
  // and skipped, unbuilt.
  Json parse_object(int depth, bool kept_only = false) {
    ++pos_;
    Json obj = Json::object();
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return obj;
    }
    while (true) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string key");
      // A key without escapes is looked at in place: a member skipped is never copied.
      const auto plain = plain_string();
      std::string key = plain ? std::string() : parse_string();
      const std::string_view name = plain ? *plain : std::string_view(key);
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':'");
      ++pos_;
      if (!kept_only || std::find(keep_.begin(), keep_.end(), name) != keep_.end()) {
        // The last would win without a word: {"size":256,...,"size":512} is a mistake to name, not to guess at.
        if (obj.find(name) != nullptr) fail("key \"" + std::string(name) + "\" given twice");
        obj.set(plain ? std::string(name) : std::move(key), parse_value(depth + 1));
      } else {
        skip_value(depth + 1);
      }
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return obj;
      }
      fail("expected ',' or '}'");
    }
  }
  Json parse_array(int depth) {
    ++pos_;
    Json arr = Json::array();
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return arr;
    }
    while (true) {
      arr.push_back(parse_value(depth + 1));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return arr;
      }
      fail("expected ',' or ']'");
    }
  }
  // What parse_value accepts, building nothing.
  void skip_value(int depth) {
    if (depth > max_depth) fail("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == close) {
        ++pos_;
        return;
      }
      while (true) {
        if (c == '{') {
          skip_space();
          if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a string key");
          skip_string();
          skip_space();
          if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':'");
          ++pos_;
        }
        skip_value(depth + 1);
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == close) {
          ++pos_;
          return;
        }
        fail(c == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    if (c == '"') return skip_string();
    if (consume("true") || consume("false") || consume("null")) return;
    if (c == '-' || (c >= '0' && c <= '9')) return skip_number();
    fail(std::string("unexpected character '") + c + "'");
  }
  void skip_string() {
    Discard none;
    scan_string(none);
  }
  // The string at pos_ when it has no escapes (its text as is, pos_ past it); nullopt, pos_ unmoved, otherwise.
  std::optional<std::string_view> plain_string() {
    std::size_t end = pos_ + 1;
    while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
           static_cast<unsigned char>(text_[end]) >= 0x20)
      ++end;
    if (end >= text_.size() || text_[end] != '"') return std::nullopt;
    const auto out = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return out;
  }
  unsigned parse_hex4() {
    if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = text_[pos_++];
      code <<= 4;
      if (h >= '0' && h <= '9')
        code |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        code |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        code |= static_cast<unsigned>(h - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return code;
  }
  template <class Out>
  static void append_utf8(Out& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  std::string parse_string() {
    std::string out;
    scan_string(out);
    return out;
  }
  template <class Out>
  void scan_string(Out& out) {
    ++pos_;  // opening quote
    while (true) {
      // Plain characters in one append: most strings have no escapes at all.
      std::size_t end = pos_;
      while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
             static_cast<unsigned char>(text_[end]) >= 0x20)
        ++end;
      out.append(text_.data() + pos_, end - pos_);
      pos_ = end;
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (pos_ >= text_.size()) fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned cp = parse_hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!consume("\\u")) fail("lone high surrogate");
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("bad low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("lone low surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }
  // parse_number's checks without building the value: an integer of up to 18 digits cannot be out of range.
  void skip_number() {
    const std::size_t start = pos_;
    std::size_t end = pos_ + (text_[pos_] == '-' ? 1 : 0);
    const std::size_t digits_start = end;
    while (end < text_.size() && text_[end] >= '0' && text_[end] <= '9') ++end;
    const bool plain_integer = end > digits_start && end - digits_start <= 18 &&
                               (text_[digits_start] != '0' || end - digits_start == 1) &&
                               (end == text_.size() || (text_[end] != '.' && text_[end] != 'e' && text_[end] != 'E'));
    if (plain_integer) {
      pos_ = end;
      return;
    }
    pos_ = start;
    (void)parse_number();
  }
  Json parse_number() {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    const std::size_t int_start = pos_;
    if (digits() == 0) fail("bad number");
    if (text_[int_start] == '0' && pos_ - int_start > 1) fail("leading zero in number");
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) fail("bad fraction");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      integral = false;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("bad exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      std::int64_t v = 0;
      if (std::from_chars(first, last, v).ec == std::errc()) return Json(static_cast<long long>(v));
    }
    double d = 0;
    if (std::from_chars(first, last, d).ec != std::errc()) fail("number out of range");
    return Json(d);
  }

  std::string_view text_;
  std::span<const std::string_view> keep_;
  std::size_t pos_ = 0;
};

}  // namespace

Json Json::parse(std::string_view text) { return Parser(text).parse_document(); }

Json parse_json_members(std::string_view text, std::span<const std::string_view> keep) {
  return Parser(text, keep).parse_document();
}

}  // namespace swath::core
