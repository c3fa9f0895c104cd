// traceparent parsing and id generation.
#include "log/trace_context.hpp"

#include <random>

#include "core/errors.hpp"

namespace swath::log {

namespace {

std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  while (true) {
    out.clear();
    for (std::size_t i = 0; i < digits; ++i) out += hex[engine() & 0xF];
    if (out.find_first_not_of('0') != std::string::npos) return out;
  }
}

bool is_lower_hex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view text) { return text.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

TraceContext TraceContext::new_root() { return {random_hex(32), random_hex(16), 1}; }

TraceContext TraceContext::child() const { return {trace_id, random_hex(16), flags}; }

std::string TraceContext::traceparent() const {
  static constexpr char hex[] = "0123456789abcdef";
  std::string flag_hex{hex[(flags >> 4) & 0xF], hex[flags & 0xF]};
  return "00-" + trace_id + "-" + span_id + "-" + flag_hex;
}

std::optional<TraceContext> parse_traceparent(std::string_view text, std::string& why) {
  if (text.size() != 55) {
    why = "expected 55 characters (00-<32 hex>-<16 hex>-<2 hex>), got " + std::to_string(text.size());
    return std::nullopt;
  }
  if (text[2] != '-' || text[35] != '-' || text[52] != '-') {
    why = "expected '-' between the version, trace id, span id and flags";
    return std::nullopt;
  }
  const auto version = text.substr(0, 2);
  const auto trace_id = text.substr(3, 32);
  const auto span_id = text.substr(36, 16);
  const auto flags = text.substr(53, 2);
  if (!is_lower_hex(version) || !is_lower_hex(trace_id) || !is_lower_hex(span_id) || !is_lower_hex(flags)) {
    why = "only lowercase hexadecimal digits are allowed";
    return std::nullopt;
  }
  if (version != "00") {
    why = "unsupported version '" + std::string(version) + "' (only 00)";
    return std::nullopt;
  }
  if (all_zero(trace_id)) {
    why = "the trace id is all zeros";
    return std::nullopt;
  }
  if (all_zero(span_id)) {
    why = "the span id is all zeros";
    return std::nullopt;
  }
  return TraceContext{std::string(trace_id), std::string(span_id),
                      static_cast<unsigned>(std::stoul(std::string(flags), nullptr, 16))};
}

TraceContext require_traceparent(std::string_view text, const std::string& source) {
  std::string why;
  auto parsed = parse_traceparent(text, why);
  if (!parsed) {
    throw core::UsageError(source + ": malformed traceparent '" + std::string(text) + "'", why,
                           "use the W3C form 00-<32 hex>-<16 hex>-<2 hex>, or leave it out to start a new trace");
  }
  return *parsed;
}

}  // namespace swath::log
