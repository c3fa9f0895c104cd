// traceparent parsing and id generation.
#include "log/trace_context.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <random>

#include "core/errors.hpp"

namespace swath::log {

namespace {

// Ids straight from the kernel's CSPRNG: a generator seeded from one 32-bit random_device value would give only 2^32
// distinct trace ids across all runs (two unrelated runs sharing one after ~77 000 runs, even odds), merged in a log
// store.
std::string random_hex(std::size_t digits) {
  static constexpr char hex[] = "0123456789abcdef";
  std::array<unsigned char, 16> bytes{};
  std::string out;
  while (true) {
    std::size_t got = 0;
    while (got < digits / 2) {
      const auto n = ::getrandom(bytes.data() + got, digits / 2 - got, 0);
      if (n > 0) {
        got += static_cast<std::size_t>(n);
      } else if (errno != EINTR) {
        // No getrandom (an old kernel, a seccomp profile that refuses it): random_device, a byte per call.
        thread_local std::random_device device;
        for (; got < digits / 2; ++got) bytes[got] = static_cast<unsigned char>(device() & 0xFF);
      }
    }
    out.clear();
    for (std::size_t i = 0; i < digits / 2; ++i) {
      out += hex[bytes[i] >> 4];
      out += hex[bytes[i] & 0xF];
    }
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

std::string TraceContext::flags_hex() const {
  static constexpr char hex[] = "0123456789abcdef";
  return {hex[(flags >> 4) & 0xF], hex[flags & 0xF]};
}

std::string TraceContext::traceparent() const { return "00-" + trace_id + "-" + span_id + "-" + flags_hex(); }

std::vector<Field> trace_fields(const TraceContext& trace) {
  return {{"trace_id", trace.trace_id}, {"span_id", trace.span_id}, {"trace_flags", trace.flags_hex()}};
}

std::optional<TraceContext> trace_of(const Context& context) {
  auto trace_id = context.get("trace_id");
  if (trace_id.empty()) return std::nullopt;
  const auto flags = context.get("trace_flags");
  // A context made without trace_flags (none in swath) is sampled, as a new root is.
  return TraceContext{std::move(trace_id), context.get("span_id"),
                      flags.empty() ? 1U : static_cast<unsigned>(std::stoul(flags, nullptr, 16))};
}

std::optional<TraceContext> parse_traceparent(std::string_view text, std::string& why) {
  // A later version (W3C Trace Context: anything but 00 and ff) is read by its first 55 characters when a '-' or
  // nothing follows them, and only its sampled flag is kept; version 00 is exactly 55 characters.
  const bool later_version =
      text.size() >= 2 && text.substr(0, 2) != "00" && text.substr(0, 2) != "ff" && is_lower_hex(text.substr(0, 2));
  if (later_version && text.size() > 55 && text[55] == '-') text = text.substr(0, 55);
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
  if (version == "ff") {
    why = "version ff is forbidden";
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
  const auto flag_bits = static_cast<unsigned>(std::stoul(std::string(flags), nullptr, 16));
  return TraceContext{std::string(trace_id), std::string(span_id), later_version ? (flag_bits & 1U) : flag_bits};
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
