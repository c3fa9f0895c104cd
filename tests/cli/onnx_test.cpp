// The onnx detector end to end: --check-model on good and bad models (fixtures from tools/make_test_models.py),
// cards that disagree with their model, and detection with one network per thread.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {
const std::string kModels = std::string(SWATH_SOURCE_DIR) + "/tests/data/models/";

// A card in `dir` naming `model` (copied beside it).
std::string card(const test::ScratchDir& dir, const std::string& model, const std::string& body) {
  if (fs::exists(kModels + model)) fs::copy_file(kModels + model, dir / model, fs::copy_options::overwrite_existing);
  const std::string path = dir / (model + ".yaml");
  test::write_text(path, "model: " + model + "\n" + body);
  return path;
}
const std::string kGoodCard =
    "input: {width: 64, height: 64, bands: [1, 2, 3]}\nclasses: [car, truck]\nscore_threshold: 0.3\n";
}  // namespace

TEST_CASE("onnx: --check-model reports the input shape and the output layout") {
  test::ScratchDir dir;
  const auto r = test::swath({"detect", "--check-model", card(dir, "good.onnx", kGoodCard)});
  REQUIRE(r.exit_code == 0);
  const auto json = core::Json::parse(r.out);
  CHECK(r.out.rfind(R"({"schema":"swath.model_check/1",)", 0) == 0);  // first, as in every --json document
  CHECK(json.at("input_shape").dump() == "[1,3,64,64]");
  CHECK(json.at("output_shape").dump() == "[1,64,7]");
  CHECK(json.at("classes").as_int() == 2);
}

TEST_CASE("onnx: models OpenCV 4.6 cannot run are refused with the reason") {
  test::ScratchDir dir;
  struct Case {
    std::string model, expected;
  };
  for (const auto& c :
       {Case{"yolov8.onnx", "looks YOLOv8-style [1, 4 + classes, N]"},
        Case{"dynamic.onnx", "input [1, 3, height, width] has dynamic dimensions"},
        Case{"unsupported.onnx", "unsupported layer type 'NonZero'"}, Case{"missing.onnx", "no such file"}}) {
    CAPTURE(c.model);
    const auto r = test::swath({"detect", "--check-model", card(dir, c.model, kGoodCard)});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(r.out.empty());
  }
  test::write_text(dir / "corrupt.onnx", std::string(300, '\x07'));
  test::write_text(dir / "corrupt.yaml", "model: corrupt.onnx\n" + kGoodCard);
  const auto corrupt = test::swath({"detect", "--check-model", dir / "corrupt.yaml"});
  CHECK(corrupt.exit_code == 1);
  CHECK(corrupt.err.find("not an ONNX model") != std::string::npos);
}

TEST_CASE("onnx: a card that disagrees with its model is refused before any window runs") {
  test::ScratchDir dir;
  const auto classes = card(dir, "good.onnx", "input: {width: 64, height: 64}\nclasses: [car, truck, bus]\n");
  auto r = test::swath({"detect", "--check-model", classes});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the card lists 3 classes but the model outputs 2") != std::string::npos);
  test::write_text(dir / "size.yaml", "model: good.onnx\ninput: {width: 128, height: 128}\nclasses: [car, truck]\n");
  r = test::swath({"detect", "--check-model", dir / "size.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the card says input 128x128 but the model takes 64x64") != std::string::npos);
  test::write_text(dir / "bad.yaml", "model: good.onnx\ninput: [1, 2\n");
  r = test::swath({"detect", "--check-model", dir / "bad.yaml"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not valid YAML") != std::string::npos);
  // The same checks guard detection: nothing is written.
  REQUIRE(test::swath({"synth", "--kind", "optical", "--size", "128x128", "-o", dir / "s.tif"}).exit_code == 0);
  r = test::swath({"detect", dir / "s.tif", "--detector", "onnx", "--model", classes, "-o", dir / "d.gpkg"});
  CHECK(r.exit_code == 1);
  CHECK_FALSE(fs::exists(dir / "d.gpkg"));
  r = test::swath({"detect", dir / "s.tif", "--detector", "onnx", "-o", dir / "d.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no model card given") != std::string::npos);
}

TEST_CASE("onnx: detection runs one network per thread and gives the same bytes for 1 and 2 threads") {
  test::ScratchDir dir;
  const auto good = card(dir, "good.onnx", kGoodCard);
  REQUIRE(test::swath({"synth", "--kind", "optical", "--size", "300x200", "-o", dir / "s.tif"}).exit_code == 0);
  const test::RunOptions traced{.env = {{"TRACEPARENT", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}};
  const auto one = test::swath({"detect", dir / "s.tif", "--detector", "onnx", "--model", good, "-o", dir / "one.fgb",
                                "--threads", "1", "--json"},
                               traced);
  REQUIRE(one.exit_code == 0);
  const auto report = core::Json::parse(one.out);
  CHECK(report.at("window").as_int() == 64);      // the model's input size, since --window was not given
  CHECK(report.at("windows").as_int() == 6 * 4);  // overlap a quarter of the window: stride 48
  CHECK(report.at("inference_seconds").as_double() > 0);
  REQUIRE(test::swath(
              {"detect", dir / "s.tif", "--detector", "onnx", "--model", good, "-o", dir / "two.fgb", "--threads", "2"},
              traced)
              .exit_code == 0);
  CHECK(core::read_file(dir / "one.fgb") == core::read_file(dir / "two.fgb"));
  // A window larger than the model's input would be shrunk into it, its objects with it: refused before any work.
  const auto larger = test::swath(
      {"detect", dir / "s.tif", "--detector", "onnx", "--model", good, "-o", dir / "larger.fgb", "--window", "128"});
  CHECK(larger.exit_code == 2);
  CHECK(larger.err.find("--window 128: the model takes 64-pixel windows") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "larger.fgb"));
}

TEST_CASE("onnx: the shipped model and its card agree") {
  const auto r = test::swath({"detect", "--check-model", std::string(SWATH_SOURCE_DIR) + "/models/vehicles.yaml"});
  REQUIRE(r.exit_code == 0);
  const auto json = core::Json::parse(r.out);
  CHECK(json.at("input_shape").dump() == "[1,3,256,256]");
  CHECK(json.at("classes").as_int() == 2);
  CHECK(fs::file_size(std::string(SWATH_SOURCE_DIR) + "/models/vehicles.onnx") < 5u * 1024 * 1024);
}

TEST_CASE("onnx: a card's field out of range or a key it does not know is refused, naming it") {
  test::ScratchDir dir;
  struct Case {
    std::string extra, expected;
  };
  const std::string base = "input: {width: 64, height: 64, bands: [1, 2, 3]}\nclasses: [car, truck]\n";
  for (const auto& c : {Case{"score_threshold: 7\n", "'score_threshold' is 7"},
                        Case{"score_threshold: -0.5\n", "'score_threshold' is -0.5"},
                        Case{"nms_iou: 5\n", "'nms_iou' is 5"}, Case{"pixel_metres: -1\n", "'pixel_metres' is -1"},
                        Case{"score_treshold: 0.3\n", "unknown key 'score_treshold'"},
                        Case{"nms_iou: 0.5\nnms_iou: 0.6\n", "key 'nms_iou' is set twice (line 5)"}}) {
    CAPTURE(c.extra);
    const auto r = test::swath({"detect", "--check-model", card(dir, "good.onnx", base + c.extra)});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(c.expected) != std::string::npos);
  }
  for (const auto& c : {Case{"input: {width: 64, height: 64, scale: -1}\n", "'input.scale' is -1"},
                        Case{"input: {width: 64, height: 64, bands: [0, 1, 2]}\n", "'input.bands' is 0"},
                        Case{"input: {width: 64, height: 64, sclae: 1}\n", "unknown key 'input.sclae'"}}) {
    CAPTURE(c.extra);
    const auto r =
        test::swath({"detect", "--check-model", card(dir, "good.onnx", c.extra + "classes: [car, truck]\n")});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(c.expected) != std::string::npos);
  }
  // The .onnx where its card belongs: the hint says which file to pass.
  fs::copy_file(kModels + "good.onnx", dir / "plain.onnx");
  const auto r = test::swath({"detect", "--check-model", dir / "plain.onnx"});
  CHECK(r.exit_code == 2);  // a wrong argument (was: exit 1, as a broken card)
  CHECK(r.err.find("it is an ONNX model, not its card") != std::string::npos);
  CHECK(r.err.find("not the .onnx itself") != std::string::npos);
}

TEST_CASE("onnx: the card's bands and scale are in the outputs' options and hash: another card, another provenance") {
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "--kind", "optical", "--size", "128x128", "-o", dir / "s.tif"}).exit_code == 0);
  const auto first = card(dir, "good.onnx", kGoodCard);
  test::write_text(dir / "bgr.yaml",
                   "model: good.onnx\ninput: {width: 64, height: 64, bands: [3, 2, 1]}\nclasses: [car, truck]\n"
                   "score_threshold: 0.3\n");
  std::vector<core::Json> options;
  for (const auto& [model, out] : {std::pair{first, "a.fgb"}, std::pair{dir / "bgr.yaml", "b.fgb"}}) {
    const auto r = test::swath({"detect", dir / "s.tif", "--detector", "onnx", "--model", model, "-o", dir / out});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    options.push_back(core::Json::parse(core::read_file(dir / (std::string(out) + ".swath.json"))));
  }
  CHECK(options[0].at("options").at("detector_options").at("bands").dump() == "[1,2,3]");
  CHECK(options[1].at("options").at("detector_options").at("bands").dump() == "[3,2,1]");
  CHECK(options[0].at("provenance").at("options_hash").dump() != options[1].at("provenance").at("options_hash").dump());
}
