// W3C traceparent: made, parsed, and rejected whole when malformed.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "log/trace_context.hpp"

using namespace swath;

TEST_CASE("trace: a new root and its child round-trip through traceparent") {
  const auto root = log::TraceContext::new_root();
  CHECK(root.trace_id.size() == 32);
  CHECK(root.span_id.size() == 16);
  std::string why;
  const auto parsed = log::parse_traceparent(root.traceparent(), why);
  REQUIRE(parsed.has_value());
  CHECK(parsed->trace_id == root.trace_id);
  CHECK(parsed->span_id == root.span_id);
  const auto child = root.child();
  CHECK(child.trace_id == root.trace_id);
  CHECK(child.span_id != root.span_id);
  CHECK(log::TraceContext::new_root().trace_id != root.trace_id);
}

TEST_CASE("trace: the W3C example parses") {
  std::string why;
  const auto parsed = log::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", why);
  REQUIRE(parsed.has_value());
  CHECK(parsed->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(parsed->span_id == "00f067aa0ba902b7");
  CHECK(parsed->flags == 1);
  CHECK(parsed->traceparent() == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST_CASE("trace: malformed traceparents are rejected with a reason") {
  const char* bad[] = {
      "",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // wrong separators
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // trailing text
  };
  for (const char* text : bad) {
    CAPTURE(text);
    std::string why;
    CHECK_FALSE(log::parse_traceparent(text, why).has_value());
    CHECK_FALSE(why.empty());
  }
  CHECK_THROWS_AS(log::require_traceparent("nope", "--traceparent"), core::UsageError);
}

TEST_CASE("trace: a later version is read by its first 55 characters, keeping only the sampled flag") {
  std::string why;
  const auto later =
      log::parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-what-comes-next", why);
  REQUIRE(later.has_value());
  CHECK(later->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(later->flags == 1);
  // Passed on as the version this swath speaks.
  CHECK(later->traceparent() == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  CHECK(log::parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", why).has_value());
  // A later version must still have a '-' (or nothing) after its 55 characters; version 00 nothing at all.
  CHECK_FALSE(log::parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", why).has_value());
  CHECK_FALSE(log::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", why).has_value());
  CHECK_FALSE(log::parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", why).has_value());
}

TEST_CASE("trace: sampled and unsampled flags round-trip") {
  std::string why;
  const auto unsampled = log::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", why);
  REQUIRE(unsampled.has_value());
  CHECK(unsampled->flags == 0);
  CHECK(unsampled->child().traceparent().substr(53) == "00");
}
