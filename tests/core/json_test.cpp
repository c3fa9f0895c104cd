// Tests for the JSON value: round trips, escaping, strict parsing.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

#include "core/errors.hpp"
#include "core/json.hpp"

using swath::core::Json;

TEST_CASE("json: objects keep insertion order and serialise compactly") {
  Json j = Json::object();
  j.set("b", 1);
  j.set("a", Json::Array{true, nullptr, "x"});
  j.set("b", 2);  // replaces in place
  CHECK(j.dump() == R"({"b":2,"a":[true,null,"x"]})");
}

TEST_CASE("json: control characters and quotes are escaped") {
  Json j(std::string("line\n\"quoted\"\t\x01 back\\slash"));
  CHECK(j.dump() == R"("line\n\"quoted\"\t\u0001 back\\slash")");
  CHECK(Json::parse(j.dump()) == j);
}

TEST_CASE("json: every ASCII character round-trips, alone and between plain runs, and no control byte is written raw") {
  for (int c = 0; c < 128; ++c) {
    CAPTURE(c);
    for (const std::string& text :
         {std::string(1, static_cast<char>(c)),
          "ab" + std::string(1, static_cast<char>(c)) + "cd" + std::string(1, static_cast<char>(c))}) {
      const std::string dumped = Json(text).dump();
      CHECK(std::none_of(dumped.begin(), dumped.end(),
                         [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F; }));
      CHECK(Json::parse(dumped).as_string() == text);
    }
  }
  CHECK(Json(std::string("\x7f")).dump() == "\"\\u007f\"");
}

TEST_CASE("json: numbers round-trip exactly") {
  for (double v : {0.1, 1e-300, 123456.789, -2.5, 1e21}) {
    const Json parsed = Json::parse(Json(v).dump());
    CHECK(parsed.as_double() == v);
  }
  CHECK(Json::parse("9007199254740993").as_int() == 9007199254740993LL);
  CHECK(Json(std::numeric_limits<double>::infinity()).dump() == "null");
}

TEST_CASE("json: unicode escapes decode to UTF-8") {
  CHECK(Json::parse(R"("\u00e9\ud83d\ude00")").as_string() == "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST_CASE(
    "json: a string that is not UTF-8 (a Latin-1 file name) reads back byte for byte; utf8_only makes it U+FFFD") {
  // swath's own records (tasks, manifests) carry paths that must open the same file when read back.
  const std::string latin1 = "bad\xff\xfe.tif";
  CHECK(Json::parse(Json(latin1).dump()).as_string() == latin1);
  const auto utf8 = [](std::string_view text) {
    std::string out;
    swath::core::append_json_string(out, text, true);
    return out;
  };
  CHECK(utf8(latin1) == "\"bad\\ufffd\\ufffd.tif\"");
  CHECK(utf8("caf\xc3\xa9 \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");  // well-formed: kept
  // Truncated, overlong, surrogate and stray continuation sequences: each bad byte one U+FFFD.
  CHECK(utf8("a\xc3") == "\"a\\ufffd\"");
  CHECK(utf8("\xc0\xaf") == "\"\\ufffd\\ufffd\"");
  CHECK(utf8("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");
  CHECK(utf8("\x80x") == "\"\\ufffdx\"");
}

TEST_CASE("json: malformed documents are rejected with the byte offset") {
  for (const char* bad :
       {"", "{", "[1,]", "{\"a\" 1}", "01", "\"unterminated", "tru", "{} x", "\"\\ud800\"", "1.", "-"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(Json::parse(bad), swath::core::DataError);
  }
  try {
    Json::parse("[1, 2, oops]");
    FAIL("expected an error");
  } catch (const swath::core::DataError& e) {
    CHECK(std::string(e.what()).find("at byte 7") != std::string::npos);
  }
}

TEST_CASE("json: a key given twice in one object is refused, naming it (the last would win without a word)") {
  try {
    Json::parse(R"({"size":256,"overlap":0,"size":512})");
    FAIL("expected an error");
  } catch (const swath::core::DataError& e) {
    CHECK(std::string(e.what()).find(R"(key "size" given twice)") != std::string::npos);
  }
  CHECK_THROWS_AS(Json::parse(R"({"a":{"b":1,"b":1}})"), swath::core::DataError);  // nested too, same value or not
  CHECK(Json::parse(R"([{"a":1},{"a":2}])").as_array().size() == 2);               // the same key in two objects
}

TEST_CASE("json: typed access names the expected type") {
  const Json j = Json::parse(R"({"n": "five"})");
  CHECK_THROWS_WITH_AS(j.at("n").as_int(), "JSON value: expected an integer, found a string", swath::core::DataError);
  CHECK_THROWS_WITH_AS(j.at("missing"), "JSON: missing field 'missing'", swath::core::DataError);
}

TEST_CASE("json: numbers compare by value, as a double written and read back as an integer") {
  const Json written = Json::Array{Json(49.0), Json(875.0)};
  const auto read = Json::parse(written.dump());
  CHECK(read.as_array()[0].is_int());
  CHECK(read == written);
  CHECK(Json::Object{{"r", 1.0}} == Json::Object{{"r", 1}});
  CHECK_FALSE(Json(1.5) == Json(1));
  CHECK_FALSE(Json(1) == Json("1"));
}
