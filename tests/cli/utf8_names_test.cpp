// End to end: a scene whose file name is not UTF-8 (Latin-1 bytes) still gives valid UTF-8 in every JSON and GeoJSON
// swath writes: --json results, JSON log lines, the truth and the detections (the name's stray bytes as U+FFFD).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
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
  CHECK(found.find("ship\xef\xbf\xbds.tif") != std::string::npos);  // the scene attribute, its stray byte U+FFFD
  CHECK(core::Json::parse(detect.out).at("detections").as_int() > 0);
}

TEST_CASE("a scene named in Latin-1 on the fleet: its task reads back the same bytes, the worker opens it") {
  test::ScratchDir dir;
  test::RedisServer redis;
  const std::string scene = dir / "sc\xe8ne.tif";
  REQUIRE(test::swath({"synth", "-o", scene, "--kind", "sar", "--size", "256x256"}).exit_code == 0);
  REQUIRE(test::swath(test::fleet::with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "out\xe9"}))
              .exit_code == 0);
  const auto r = test::swath(test::fleet::with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("committed").as_int() == 1);
  CHECK(summary.at("dead").as_int() == 0);
  CHECK(std::filesystem::exists(dir / "out\xe9/sc_ne"));  // where the output was named, not a U+FFFD twin
  // A manifest of that scene is enqueued as it reads back: its source opens.
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "128"}).exit_code == 0);
  const auto again = test::swath(test::fleet::with_redis(
      redis, {"enqueue", "--kind", "tile", dir / "local/tiles.jsonl", "--output", dir / "from-manifest"}));
  CHECK_MESSAGE(again.exit_code == 0, again.err);
}
