// End to end: a scene whose file name is not UTF-8 (Latin-1 bytes) still gives valid UTF-8 in every JSON and GeoJSON
// swath writes: --json results, JSON log lines, the truth and the detections (the name's stray bytes as U+FFFD).
#include <doctest/doctest.h>

#include <string>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("a scene named in Latin-1: --json, JSON logs, truth and detections are valid UTF-8") {
  test::ScratchDir dir;
  const std::string scene = dir / "ship\xe9s.tif";  // "shipés" in Latin-1
  const auto synth = test::swath({"synth", "-o", scene, "--kind", "sar", "--size", "1024x1024", "--json"});
  REQUIRE_MESSAGE(synth.exit_code == 0, synth.err);
  const auto detect = test::swath(
      {"--log-format", "json", "detect", scene, "--detector", "cfar", "-o", dir / "found.geojson", "--json"});
  REQUIRE_MESSAGE(detect.exit_code == 0, detect.err);
  const std::string truth = core::read_file(dir / "ship\xe9s.truth.geojson");
  const std::string found = core::read_file(dir / "found.geojson");
  for (const std::string* text : {&synth.out, &detect.out, &detect.err, &truth, &found}) {
    CHECK(core::valid_utf8(*text) == *text);
  }
  CHECK(found.find("ship\\ufffds.tif") != std::string::npos);  // the scene attribute, its stray byte replaced
  CHECK(core::Json::parse(detect.out).at("detections").as_int() > 0);
}
