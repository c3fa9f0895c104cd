// W3C Trace Context: the `traceparent` header value `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/context.hpp"

namespace swath::log {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex, not all zero
  std::string span_id;   // 16 lowercase hex, not all zero
  unsigned flags = 1;    // bit 0: sampled

  static TraceContext new_root();   // random trace and span ids
  TraceContext child() const;       // same trace, new span
  std::string traceparent() const;  // the header value
  std::string flags_hex() const;    // "01" sampled, "00" not
};

// The log fields that carry `trace` in a Context: trace_id, span_id and trace_flags.
std::vector<Field> trace_fields(const TraceContext& trace);

// The trace a log context carries (trace_fields), or nothing when it has no trace_id.
std::optional<TraceContext> trace_of(const Context& context);

// Parses a traceparent; on failure returns nothing and says why (never a half-parsed value).
std::optional<TraceContext> parse_traceparent(std::string_view text, std::string& why);

// Parses a traceparent given by the user (`source` names the flag or variable) or throws UsageError.
TraceContext require_traceparent(std::string_view text, const std::string& source);

}  // namespace swath::log
