// W3C Trace Context: the `traceparent` header value `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace swath::log {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex, not all zero
  std::string span_id;   // 16 lowercase hex, not all zero
  unsigned flags = 1;    // bit 0: sampled

  static TraceContext new_root();   // random trace and span ids
  TraceContext child() const;       // same trace, new span
  std::string traceparent() const;  // the header value
};

// Parses a traceparent; on failure returns nothing and says why (never a half-parsed value).
std::optional<TraceContext> parse_traceparent(std::string_view text, std::string& why);

// Parses a traceparent given by the user (`source` names the flag or variable) or throws UsageError.
TraceContext require_traceparent(std::string_view text, const std::string& source);

}  // namespace swath::log
