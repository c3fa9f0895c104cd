// read_json_lines on real files: blank lines skipped, every error names the file and line.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "core/json_lines.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("json lines: objects in order, blank lines skipped, each named by file and line") {
  test::ScratchDir dir;
  test::write_text(dir / "m.jsonl", "{\"a\":1}\n\n   \n{\"b\":\"x y\"}\r\n");
  const auto lines = core::read_json_lines(dir / "m.jsonl");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].value.at("a").as_int() == 1);
  CHECK(lines[0].where == "manifest " + std::string(dir / "m.jsonl") + ":1");
  CHECK(lines[1].value.at("b").as_string() == "x y");
  CHECK(lines[1].where.substr(lines[1].where.size() - 2) == ":4");
}

TEST_CASE("json lines: a missing file, a line that is not JSON and a line that is not an object") {
  test::ScratchDir dir;
  CHECK_THROWS_WITH_AS(core::read_json_lines(dir / "none.jsonl"), doctest::Contains("cannot read manifest"),
                       core::IoError);
  test::write_text(dir / "bad.jsonl", "{\"a\":1}\n{oops\n");
  CHECK_THROWS_WITH_AS(core::read_json_lines(dir / "bad.jsonl"), doctest::Contains("bad.jsonl:2: not JSON"),
                       core::DataError);
  test::write_text(dir / "array.jsonl", "[1,2]\n");
  CHECK_THROWS_WITH_AS(core::read_json_lines(dir / "array.jsonl"),
                       doctest::Contains("array.jsonl:1: not a JSON object"), core::DataError);
}

TEST_CASE("json lines reader: one line at a time; torn lines passed over when asked; lines without a text unparsed") {
  test::ScratchDir dir;
  test::write_text(dir / "j.jsonl", "{\"a\":1}\n{\"torn\n[3]\n{\"b\":2,\"key\":true}\n{\"c\":\n");
  core::JsonLinesReader strict(dir / "j.jsonl");
  CHECK(strict.next()->value.at("a").as_int() == 1);
  CHECK_THROWS_WITH_AS(strict.next(), doctest::Contains("j.jsonl:2: not JSON"), core::DataError);

  core::JsonLinesReader lenient(dir / "j.jsonl", core::MalformedLines::skip);
  CHECK(lenient.next()->value.at("a").as_int() == 1);
  const auto b = lenient.next();
  REQUIRE(b.has_value());
  CHECK(b->where.ends_with("j.jsonl:4"));
  CHECK_FALSE(lenient.next().has_value());

  core::JsonLinesReader filtered(dir / "j.jsonl");  // the torn line 2 and the array are never parsed
  const auto keyed = filtered.next("\"key\"");
  REQUIRE(keyed.has_value());
  CHECK(keyed->value.at("b").as_int() == 2);
  CHECK_FALSE(filtered.next("\"key\"").has_value());
}

TEST_CASE("json lines reader: keep_only builds the members asked for, checks the others, keeps a header whole") {
  test::ScratchDir dir;
  test::write_text(
      dir / "k.jsonl",
      "{\"schema\":\"s\",\"scenes\":[{\"name\":\"a\"}]}\n"
      "{\"id\":\"a/r0\",\"index\":7,\"window\":{\"x\":[1,-2.5e3,true,null],\"s\":\"\\u00e9\\\"\"},\"scene\":\"a\"}\n"
      "{\"index\":8,\"sha256\":\"bad \\q escape\"}\n"
      "{\"index\":9,\"window\":{\"x\":1,}}\n");
  core::JsonLinesReader reader(dir / "k.jsonl");
  reader.keep_only({"scene", "index"}, "schema");
  const auto header = reader.next();
  REQUIRE(header.has_value());
  CHECK(header->value.at("scenes").as_array().size() == 1);  // whole
  const auto line = reader.next();
  REQUIRE(line.has_value());
  CHECK(line->value == core::Json::parse(R"({"index":7,"scene":"a"})"));
  // Members skipped unbuilt are still checked as JSON: the same errors as a whole parse.
  CHECK_THROWS_WITH_AS(reader.next(), doctest::Contains("k.jsonl:3: not JSON: bad escape"), core::DataError);
  CHECK_THROWS_WITH_AS(reader.next(), doctest::Contains("k.jsonl:4: not JSON: expected a string key"), core::DataError);
  CHECK_FALSE(reader.next().has_value());
  for (const char* text : {"{\"a\":[1,2}", "{\"a\":tru}", "{\"a\":01}", "{\"a\":\"\\ud800\"}", "{\"a\":{\"b\" 1}}",
                           "{\"a\":1} x", "{\"a\":\"\x01\"}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e999}", "{\"a\":-01}",
                           "{\"a\x01\":1}", "{\"a\":1,\"b\":2.5e}"}) {
    CAPTURE(text);
    const std::string_view keep[] = {"z"};
    CHECK_THROWS_AS(core::Json::parse(text), core::DataError);
    CHECK_THROWS_AS(core::parse_json_members(text, keep), core::DataError);
  }
  const std::string_view keep[] = {"b"};
  CHECK(core::parse_json_members(R"({"a":{"x":[{},[]]},"b":[1,{"c":"d"}]})", keep) ==
        core::Json::parse(R"({"b":[1,{"c":"d"}]})"));
  CHECK(core::parse_json_members("[1]", keep) == core::Json::parse("[1]"));  // not an object: whole
  // Numbers and escaped keys skipped as a whole parse reads them; an escaped key is still matched.
  CHECK(core::parse_json_members(R"({"a":-0,"c":123456789012345678901234,"d":1.5e3,"\u0062":7})", keep) ==
        core::Json::parse(R"({"b":7})"));
}
