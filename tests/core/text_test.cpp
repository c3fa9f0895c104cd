// Suggestions for misspelt names.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "core/text.hpp"

using namespace swath;

TEST_CASE("text: edit distance and closest match") {
  CHECK(core::edit_distance("kitten", "sitting") == 3);
  CHECK(core::edit_distance("", "abc") == 3);
  CHECK(core::closest_match("tiel", {"tile", "detect", "worker"}) == std::optional<std::string>("tile"));
  CHECK_FALSE(core::closest_match("completely", {"tile", "detect"}).has_value());
}

TEST_CASE("errors: kinds map to the documented exit codes and messages carry hints") {
  CHECK(core::UsageError("x", "y").exit_code() == core::ExitCode::usage);
  CHECK(core::IoError("x", "y").exit_code() == core::ExitCode::failure);
  CHECK(core::DataError("x", "y").exit_code() == core::ExitCode::failure);
  CHECK(core::Interrupted().exit_code() == core::ExitCode::interrupted);
  CHECK(core::describe(core::IoError("cannot open 'a.tif'", "not a raster", "check the path")) ==
        "cannot open 'a.tif': not a raster (hint: check the path)");
}

TEST_CASE("text: trim, to_lower and split") {
  CHECK(core::trim("  a b \t") == "a b");
  CHECK(core::trim(" \t ").empty());
  CHECK(core::trim("x\r\n", " \r\n") == "x");
  CHECK(core::to_lower("GTiff") == "gtiff");
  CHECK(core::split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
  CHECK(core::split("", ',') == std::vector<std::string>{""});
}

TEST_CASE("text: valid_utf8 keeps well-formed UTF-8 and replaces each stray byte with U+FFFD") {
  CHECK(core::valid_utf8("plain ascii") == "plain ascii");
  CHECK(core::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(core::valid_utf8("bad\xff.tif") == "bad\xef\xbf\xbd.tif");
  CHECK(core::valid_utf8("\xf4\x90\x80\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // past U+10FFFF
  CHECK(core::utf8_sequence_length("\xe2\x82\xac", 0) == 3);
  CHECK(core::utf8_sequence_length("\xe2\x82", 0) == 0);
}
