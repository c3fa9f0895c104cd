// End to end: synth (and the other commands writing one file) refuse flag values they cannot honour before any work.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("synth: a negative --seed is a usage error naming it, not a seed wrapped to 2^64 - 1") {
  test::ScratchDir dir;
  const auto r = test::swath({"synth", "-o", dir / "s.tif", "--seed", "-1", "--size", "64x64"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("swath synth: --seed: '-1' must be 0 or more") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "s.tif"));
  CHECK(test::swath({"synth", "-o", dir / "s.tif", "--seed", "18446744073709551615", "--size", "64x64"}).exit_code ==
        0);
}

TEST_CASE("synth, eval: a --seed past 2^64 - 1 or an --iou of nan is refused, not saturated or compared false") {
  test::ScratchDir dir;
  auto r = test::swath({"synth", "-o", dir / "s.tif", "--seed", "18446744073709551616", "--size", "64x64"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--seed: '18446744073709551616' is too large") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "s.tif"));
  r = test::swath({"synth", "-o", dir / "s.tif", "--seed", "7", "--size", "64x64", "--objects", "1"});
  REQUIRE(r.exit_code == 0);
  CHECK_MESSAGE(r.out.find("(1 object)") != std::string::npos, r.out);
  for (const std::string bad : {"nan", "-0.5", "1.5"}) {
    r = test::swath({"eval", dir / "s.truth.geojson", dir / "s.truth.geojson", "--iou", bad});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("--iou: '" + bad + "' must be a number from 0.01 to 1") != std::string::npos, r.err);
  }
}

TEST_CASE(
    "synth, eval, config show, scale-plan --plot: an output path that is a directory, or in none, is refused at parsing") {
  test::ScratchDir dir;
  const std::string trace = dir / "trace.csv";
  test::write_text(trace, "time,tasks\n0,4\n");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"synth", "-o", dir.path(), "--size", "64x64"},
                                             {"eval", dir / "a.geojson", dir / "b.geojson", "-o", dir.path()},
                                             {"config", "show", "-o", dir.path()},
                                             {"scale-plan", "--simulate", trace, "--plot", dir.path()}}) {
    CAPTURE(args[0]);
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("'" + dir.path() + "' is a directory: give a file path") != std::string::npos, r.err);
  }
  // A file in a directory that does not exist: refused at parsing too (synth rendered 46 s before finding out).
  const std::string missing = dir / "nodir/out";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"synth", "-o", missing, "--size", "64x64"},
                                             {"config", "show", "-o", missing},
                                             {"scale-plan", "--simulate", trace, "--plot", missing}}) {
    CAPTURE(args[0]);
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(
        r.err.find("'" + missing + "': the directory '" + (dir / "nodir") + "' does not exist") != std::string::npos,
        r.err);
  }
}

TEST_CASE("synth: --objects -1, --straddle-overlap without --straddle and a --straddle window past the scene") {
  test::ScratchDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--objects", "-1"}, "--objects: '-1' must be 0 or more"},
      {{"--straddle-overlap", "8"}, "--straddle-overlap 8: it applies to --straddle only"},
      {{"--straddle", "100000"}, "--straddle 100000: no window of that size has an edge inside a 256x256 scene"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args{"synth", "-o", dir / "s.tif", "--size", "256x256"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
    CHECK_FALSE(fs::exists(dir / "s.tif"));
  }
  CHECK(test::swath({"synth", "-o", dir / "s.tif", "--size", "256x256", "--straddle", "128", "--straddle-overlap", "8"})
            .exit_code == 0);
}

TEST_CASE("synth: a --straddle whose only edge is too near the border for any object says the scene has none") {
  test::ScratchDir dir;
  const auto r = test::swath({"synth", "-o", dir / "s.tif", "--size", "514x300", "--straddle", "512", "--json"});
  CHECK(r.exit_code == 0);  // a valid, empty scene (truth without features)
  CHECK(core::Json::parse(r.out).at("objects").as_int() == 0);
  CHECK(r.out.rfind(R"({"schema":"swath.synth/1",)", 0) == 0);  // first, as in every --json document
  CHECK_MESSAGE(r.err.find("no object could be placed across an edge of a 512-px window") != std::string::npos, r.err);
}

TEST_CASE("synth: a scene larger than this machine's memory is refused at once, naming what it needs") {
  test::ScratchDir dir;
  // 65536² x 4 bands is 144 GiB rendered (more than any machine this runs on; `ulimit -v` would test the limit
  // otherwise, but AddressSanitizer needs the address space): it ran on, then died as "internal error:
  // std::bad_alloc".
  const auto r = test::swath(
      {"synth", "-o", dir / "s.tif", "--size", "65536x65536", "--kind", "optical", "--bands", "4", "--objects", "0"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("--size 65536x65536: synth renders the scene whole in memory: about 144.0 GiB, and this process "
                 "may use") != std::string::npos,
      r.err);
  CHECK_FALSE(fs::exists(dir / "s.tif"));
}

TEST_CASE("synth: a directory where the truth goes is refused first (the scene was written without its truth)") {
  test::ScratchDir dir;
  fs::create_directories(dir / "t.truth.geojson");
  const auto r = test::swath({"synth", "--size", "64x64", "-o", dir / "t.tif"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("truth file '" + dir / "t.truth.geojson" + "' (beside -o): a directory has that name") !=
                    std::string::npos,
                r.err);
  CHECK_FALSE(fs::exists(dir / "t.tif"));
  // Fewer objects than asked for (no free place left) are said, not silently made.
  const auto crowded = test::swath({"synth", "--size", "64x64", "--objects", "60", "-o", dir / "c.tif"});
  CHECK(crowded.exit_code == 0);
  CHECK_MESSAGE(crowded.err.find("of the 60 objects asked for") != std::string::npos, crowded.err);
  // SAR has its one band: --bands 1 was refused with "SAR scenes have 1 band".
  const auto sar = test::swath({"synth", "--kind", "sar", "--bands", "1", "--size", "64x64", "-o", dir / "s.tif"});
  CHECK(sar.exit_code == 2);
  CHECK_MESSAGE(
      sar.err.find("--bands is for optical scenes (hint: leave --bands out with --kind sar)") != std::string::npos,
      sar.err);
}

TEST_CASE("synth, eval, scale-plan: numbers are read as written (no octal, hex, blank or '-' file)") {
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "ten.tif", "--seed", "10", "--size", "64x64"}).exit_code == 0);
  const auto ten = core::read_file(dir / "ten.tif");
  REQUIRE(test::swath({"synth", "-o", dir / "ten.tif", "--seed", "010", "--size", "64x64"}).exit_code == 0);
  CHECK(core::read_file(dir / "ten.tif") == ten);  // not seed 8
  for (const std::string bad : {"", "0x10", "+5", " 5", "5 "}) {
    const auto r = test::swath({"synth", "-o", dir / "s.tif", "--seed", bad, "--size", "64x64"});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("--seed: '" + bad + "' is not a whole number") != std::string::npos, r.err);
  }
  auto r = test::swath({"eval", dir / "ten.truth.geojson", dir / "ten.truth.geojson", "--iou", ""});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--iou: '' is not a number") != std::string::npos, r.err);
  test::write_text(dir / "trace.csv", "time,tasks\n0,4\n");
  r = test::swath({"scale-plan", "--simulate", dir / "trace.csv", "--plot", "-"}, {.working_dir = dir.path()});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--plot: '-' is not a file here") != std::string::npos, r.err);
  CHECK_FALSE(fs::exists(dir / "-"));
}

TEST_CASE("flags: a whole number past the option's range is refused, never saturated") {
  test::ScratchDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"synth", "-o", dir / "s.tif", "--objects", "9223372036854775808"},
       "--objects: '9223372036854775808' is too large (at most 9223372036854775807)"},
      {{"enqueue", "--kind", "noop", "x", "--output", dir.path(), "--deadline", "9223372036854775807"},
       "--deadline: '9223372036854775807' is too large (at most 316224000)"},
      {{"scale-plan", "--simulate", "t.csv", "--seed", "010x"}, "--seed: '010x' is not a whole number"},
      {{"worker", "--metrics-port", "65536"}, "--metrics-port: '65536' is too large (at most 65535)"},
      {{"queue", "dead", "list", "--limit", "0x10"}, "--limit: '0x10' is not a whole number"},
  };
  for (const auto& [args, message] : cases) {
    CAPTURE(args[0]);
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
  }
}
