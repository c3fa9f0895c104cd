// End to end: `swath eval --classes` scores only the classes named (a truth's water ponds, which no vehicle
// detector looks for, pulled the mAP of a perfect detector to 0.667).
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>

#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

std::string box(double x, double y, const std::string& properties) {
  const auto p = [](double a, double b) { return "[" + std::to_string(a) + "," + std::to_string(b) + "]"; };
  return R"({"type":"Feature","properties":)" + properties + R"(,"geometry":{"type":"Polygon","coordinates":[[)" +
         p(x, y) + "," + p(x + 0.001, y) + "," + p(x + 0.001, y + 0.0005) + "," + p(x, y + 0.0005) + "," + p(x, y) +
         "]]}}";
}

std::string collection(const std::vector<std::string>& features) {
  std::string out = R"({"type":"FeatureCollection","features":[)";
  for (std::size_t i = 0; i < features.size(); ++i) out += (i ? "," : "") + features[i];
  return out + "]}";
}

}  // namespace

TEST_CASE("cli eval: --classes keeps only those classes, in both files; a class neither has is warned about") {
  test::ScratchDir dir;
  test::write_text(dir / "t.geojson",
                   collection({box(3, 52, R"({"class":"car"})"), box(3.01, 52, R"({"class":"truck"})"),
                               box(3.02, 52, R"({"class":"water"})")}));
  test::write_text(dir / "d.geojson", collection({box(3, 52, R"({"class":"car","score":0.9})"),
                                                  box(3.01, 52, R"({"class":"truck","score":0.8})")}));
  auto r = test::swath({"eval", dir / "d.geojson", dir / "t.geojson", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto report = core::Json::parse(r.out);
  CHECK(report.at("recall").as_double() < 0.7);                    // the pond counts as missed
  for (const std::string classes : {"car,truck", "car, truck"}) {  // blanks after commas, as people write lists
    CAPTURE(classes);
    r = test::swath({"eval", dir / "d.geojson", dir / "t.geojson", "--classes", classes, "--json"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK_MESSAGE(r.err.find("neither file") == std::string::npos, r.err);  // was: no class ' truck'
    report = core::Json::parse(r.out);
    CHECK(report.at("recall").as_double() == 1);
    CHECK(report.at("ap50").as_double() == 1);
    CHECK(report.at("classes").find("water") == nullptr);
    CHECK(report.at("classes").find("truck") != nullptr);
  }
  // A class neither file has is said (a typo), not refused: a scene of a batch may have none.
  r = test::swath({"eval", dir / "d.geojson", dir / "t.geojson", "--classes", "car,cra", "--json"});
  CHECK(r.exit_code == 0);
  CHECK_MESSAGE(
      r.err.find("--classes: neither file has class 'cra' (their classes: car, truck, water)") != std::string::npos,
      r.err);
  CHECK(core::Json::parse(r.out).at("classes").find("car") != nullptr);
  test::write_text(dir / "empty.geojson", R"({"type":"FeatureCollection","features":[]})");
  r = test::swath({"eval", dir / "empty.geojson", dir / "empty.geojson", "--classes", "car"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("neither file has class 'car' (both are empty)") != std::string::npos);
  // --classes takes one list: the truth file after it is the truth (was: taken as a class, "truth is required").
  r = test::swath({"eval", dir / "d.geojson", "--classes", "car", dir / "t.geojson", "--json"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  // An empty name scores nothing: refused (was: exit 0).
  for (const std::string classes : {"", " "}) {
    CAPTURE(classes);
    r = test::swath({"eval", dir / "d.geojson", dir / "t.geojson", "--classes", classes});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("--classes: an empty class name") != std::string::npos, r.err);
  }
  // Refused before the files are read (was: after, here that one is no vector file).
  test::write_text(dir / "notes.geojson", "not a vector file\n");
  r = test::swath({"eval", dir / "notes.geojson", dir / "t.geojson", "--classes", "car, ,truck"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--classes: an empty class name") != std::string::npos, r.err);
}

TEST_CASE("cli eval: Ctrl-C stops it (exit 130) and writes no -o file") {
  test::ScratchDir dir;
  std::vector<std::string> boxes;  // 40,000 boxes: seconds of reading and matching, far longer than the signal takes
  for (int i = 0; i < 40000; ++i)
    boxes.push_back(box(3 + (i % 200) * 0.002, 52 + (i / 200) * 0.001, R"({"class":"car","score":0.5})"));
  test::write_text(dir / "many.geojson", collection(boxes));
  test::Background run({SWATH_BINARY, "eval", dir / "many.geojson", dir / "many.geojson", "-o", dir / "score.txt"});
  run.wait_until_catching(SIGINT);
  run.signal(SIGINT);
  const auto r = run.wait();
  CHECK_MESSAGE(r.exit_code == 130, r.err);  // was: finished, wrote score.txt and exited 0
  CHECK(r.err.find("interrupted") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "score.txt"));
}

TEST_CASE("cli: an empty -o is refused, not taken for stdout") {
  test::ScratchDir dir;
  test::write_text(dir / "t.geojson", collection({box(3, 52, R"({"class":"car"})")}));
  for (const auto& args : {std::vector<std::string>{"eval", dir / "t.geojson", dir / "t.geojson"},
                           std::vector<std::string>{"config", "show"}}) {
    auto argv = args;
    argv.insert(argv.end(), {"-o", ""});
    const auto r = test::swath(argv);
    CHECK(r.exit_code == 2);  // was: 0, written to stdout
    CHECK_MESSAGE(r.err.find("--output: an empty path") != std::string::npos, r.err);
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: names from files and paths reach the terminal with their control bytes written out") {
  test::ScratchDir dir;
  // A class named with a newline and a colour escape: was a line of its own, and the terminal turned red.
  test::write_text(dir / "t.geojson", collection({box(3, 52, R"({"class":"ship\n\u001b[31mred","score":1})")}));
  auto r = test::swath({"eval", dir / "t.geojson", dir / "t.geojson"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find('\x1b') == std::string::npos);
  CHECK(r.out.find("ship\\n\\x1b[31mred") != std::string::npos);
  r = test::swath({"synth", "-o", dir / "a\nb.tif", "--size", "256x256"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("wrote " + dir / "a\\nb.tif and ") == 0);
}
