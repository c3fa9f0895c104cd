// Model cards (YAML) and `--check-model`: the card, the ONNX graph's declared input, and one OpenCV run.
#include "detect/model_card.hpp"

#include <yaml-cpp/yaml.h>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "detect/onnx_shape.hpp"

namespace swath::detect {

namespace {

std::string shape_text(const std::vector<int>& dims) {
  std::string out = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

std::string onnx_dims_text(const OnnxInput& input) {
  std::string out = "[";
  for (std::size_t i = 0; i < input.dims.size(); ++i) {
    out += (i ? ", " : "") + (input.dims[i] > 0 ? std::to_string(input.dims[i])
                                                : (input.dim_names[i].empty() ? "?" : input.dim_names[i]));
  }
  return out + "]";
}

template <class T>
T field(const YAML::Node& node, const char* key, const std::string& card, T fallback) {
  if (!node[key]) return fallback;
  try {
    return node[key].as<T>();
  } catch (const YAML::Exception&) {
    throw core::DataError("model card '" + card + "'", std::string("field '") + key + "' has the wrong type");
  }
}

// OpenCV's importer errors are long and nested; the layer type is what a user needs.
std::string opencv_reason(const std::string& error) {
  const auto type = error.find("of type \"");
  if (error.find("Can't create layer") != std::string::npos && type != std::string::npos) {
    const auto start = type + 9, end = error.find('"', start);
    return "unsupported layer type '" + error.substr(start, end - start) + "'";
  }
  auto message = error.substr(0, error.find('\n'));
  while (!message.empty() && (message.front() == '>' || message.front() == ' ')) message.erase(0, 1);
  return message;
}

std::vector<int> output_shape(const cv::Mat& out) {
  std::vector<int> dims;
  for (int i = 0; i < out.dims; ++i) dims.push_back(out.size[i]);
  return dims;
}

// A key the card does not know is refused, not ignored: a misspelt `score_treshold` would leave the default in force;
// so is one written twice (YAML forbids it; yaml-cpp would let one of them win unsaid).
void refuse_unknown_keys(const YAML::Node& node, const std::vector<std::string>& known, const std::string& where,
                         const std::string& card) {
  std::vector<std::string> seen;
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw core::DataError(
          "model card '" + card + "'",
          "key '" + where + key + "' is set twice (line " + std::to_string(entry.first.Mark().line + 1) + ")",
          "keep one of the two");
    }
    seen.push_back(key);
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw core::DataError("model card '" + card + "'", "unknown key '" + where + key + "'",
                          "the keys" + std::string(where.empty() ? "" : " of 'input'") + " are " + list);
  }
}

// A field outside its range, naming it, its value and the range.
void check_range(bool ok, const std::string& key, double value, const std::string& range, const std::string& card) {
  if (ok) return;
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", value);
  throw core::DataError("model card '" + card + "'", "'" + key + "' is " + shown, "give " + range);
}

void check_fields(const ModelCard& card) {
  const auto& p = card.path;
  check_range(card.score_threshold >= 0 && card.score_threshold <= 1, "score_threshold", card.score_threshold,
              "a score from 0 to 1", p);
  check_range(card.nms_iou > 0 && card.nms_iou <= 1, "nms_iou", card.nms_iou, "an IoU above 0, at most 1", p);
  check_range(std::isfinite(card.scale) && card.scale > 0, "input.scale", card.scale,
              "a positive factor (1/255 = 0.00392156862745098 for 8-bit pixels)", p);
  check_range(std::isfinite(card.pixel_metres) && card.pixel_metres >= 0, "pixel_metres", card.pixel_metres,
              "metres per pixel, or 0 for any", p);
  if (card.bands.empty())
    throw core::DataError("model card '" + p + "'", "'input.bands' is empty", "list bands, e.g. [1, 2, 3]");
  for (int b : card.bands) check_range(b >= 1, "input.bands", b, "band numbers from 1", p);
}

}  // namespace

ModelCard load_model_card(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    throw core::IoError("model card '" + path + "'", "no such file",
                        "check the path; a card is the YAML next to its .onnx (see models/vehicles.yaml)");
  }
  if (std::filesystem::is_directory(path)) {
    throw core::IoError("model card '" + path + "'", "it is a directory",
                        "name the card, the YAML next to its .onnx (see models/vehicles.yaml)");
  }
  // The model where its card belongs: a wrong argument (exit 2), not a broken file.
  if (std::filesystem::path(path).extension() == ".onnx") {
    throw core::UsageError("model card '" + path + "'", "it is an ONNX model, not its card",
                           "pass the model's card (the YAML naming this .onnx), not the .onnx itself");
  }
  const std::string hint = "a card is the YAML next to its .onnx (see models/vehicles.yaml)";
  YAML::Node root;
  try {
    root = YAML::Load(core::read_file(path));
  } catch (const YAML::Exception& e) {
    throw core::DataError("model card '" + path + "'", "not valid YAML: " + e.msg, hint);
  }
  if (!root.IsMap()) throw core::DataError("model card '" + path + "'", "not a YAML mapping", hint);
  refuse_unknown_keys(
      root, {"model", "format", "input", "classes", "score_threshold", "nms_iou", "pixel_metres", "description"}, "",
      path);
  if (root["input"] && root["input"].IsMap())
    refuse_unknown_keys(root["input"], {"width", "height", "bands", "scale"}, "input.", path);
  ModelCard card;
  card.path = path;
  const auto model = field<std::string>(root, "model", path, "");
  if (model.empty()) throw core::DataError("model card '" + path + "'", "no 'model' (the .onnx file beside the card)");
  card.model =
      std::filesystem::path(model).is_absolute() ? model : (std::filesystem::path(path).parent_path() / model).string();
  card.format = field<std::string>(root, "format", path, "yolov5");
  if (card.format != "yolov5") {
    throw core::DataError("model card '" + path + "'", "format '" + card.format + "' is not supported",
                          "swath reads YOLOv5-style output [1, N, 5 + classes]; set format: yolov5");
  }
  const auto input = root["input"];
  card.input_width = input ? field<int>(input, "width", path, 0) : 0;
  card.input_height = input ? field<int>(input, "height", path, 0) : 0;
  if (card.input_width < 8 || card.input_height < 8) {
    throw core::DataError("model card '" + path + "'", "input width and height (at least 8) are required");
  }
  if (input) card.bands = field<std::vector<int>>(input, "bands", path, card.bands);
  if (input) card.scale = field<double>(input, "scale", path, card.scale);
  card.classes = field<std::vector<std::string>>(root, "classes", path, {});
  if (card.classes.empty())
    throw core::DataError("model card '" + path + "'", "no 'classes' (the class names, in output order)");
  card.score_threshold = field<double>(root, "score_threshold", path, card.score_threshold);
  card.nms_iou = field<double>(root, "nms_iou", path, card.nms_iou);
  card.pixel_metres = field<double>(root, "pixel_metres", path, 0);
  card.description = field<std::string>(root, "description", path, "");
  check_fields(card);
  return card;
}

core::Json to_json(const ModelCheck& check) {
  core::Json in = core::Json::array(), out = core::Json::array();
  for (int d : check.input_shape) in.push_back(d);
  for (int d : check.output_shape) out.push_back(d);
  return core::Json::Object{{"schema", "swath.model_check/1"}, {"input_shape", in},        {"output_shape", out},
                            {"layout", check.layout},          {"anchors", check.anchors}, {"classes", check.classes}};
}

std::string read_model(const ModelCard& card) {
  if (!std::filesystem::exists(card.model)) {
    throw core::IoError("model '" + card.model + "' (card '" + card.path + "')", "no such file",
                        "the card's 'model' is relative to the card");
  }
  return core::read_file(card.model);
}

ModelCheck check_model(const ModelCard& card) { return check_model(card, read_model(card)); }

ModelCheck check_model(const ModelCard& card, const std::string& bytes) {
  const std::string what = "model '" + card.model + "' (card '" + card.path + "')";
  const auto input = read_onnx_input(bytes);
  if (!input)
    throw core::DataError(what, "not an ONNX model (its graph cannot be read)", "the file may be corrupt or truncated");
  if (input->dynamic()) {
    throw core::DataError(
        what, "its input " + onnx_dims_text(*input) + " has dynamic dimensions, which OpenCV 4.6 cannot run",
        "export with static shapes (no dynamic_axes), e.g. [1, 3, 256, 256]");
  }
  if (input->dims.size() != 4 || input->dims[0] != 1) {
    throw core::DataError(what, "its input " + onnx_dims_text(*input) + " is not [1, channels, height, width]");
  }
  if (input->dims[2] != card.input_height || input->dims[3] != card.input_width) {
    throw core::DataError(what,
                          "the card says input " + std::to_string(card.input_width) + "x" +
                              std::to_string(card.input_height) + " but the model takes " +
                              std::to_string(input->dims[3]) + "x" + std::to_string(input->dims[2]),
                          "fix input width/height in the card");
  }
  if (input->dims[1] != static_cast<std::int64_t>(card.bands.size())) {
    throw core::DataError(what, "the card feeds " + std::to_string(card.bands.size()) + " bands but the model takes " +
                                    std::to_string(input->dims[1]) + " channels");
  }
  // OpenCV would print its own error lines; the exception below carries the reason.
  const auto previous_level = cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  cv::Mat out;
  try {
    auto net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
    const int shape[] = {1, static_cast<int>(card.bands.size()), card.input_height, card.input_width};
    net.setInput(cv::Mat(4, shape, CV_32F, cv::Scalar(0)));
    out = net.forward();
  } catch (const cv::Exception& e) {
    cv::utils::logging::setLogLevel(previous_level);
    throw core::DataError(
        what, "OpenCV " CV_VERSION " cannot run it: " + opencv_reason(e.err),
        "use layers OpenCV 4.6 supports (opset 12, no dynamic shapes); --check-model shows the layout");
  }
  cv::utils::logging::setLogLevel(previous_level);
  ModelCheck check;
  for (auto d : input->dims) check.input_shape.push_back(static_cast<int>(d));
  check.output_shape = output_shape(out);
  const int classes = static_cast<int>(card.classes.size());
  const auto& o = check.output_shape;
  if (o.size() != 3 || o[0] != 1) {
    throw core::DataError(what, "its output " + shape_text(o) + " is not [1, N, 5 + classes]");
  }
  if (o[2] != 5 + classes && (o[1] == 4 + classes || o[1] < o[2])) {
    throw core::DataError(
        what, "its output " + shape_text(o) + " looks YOLOv8-style [1, 4 + classes, N] (no objectness, transposed)",
        "swath reads YOLOv5-style [1, N, 5 + classes]: export a YOLOv5 head");
  }
  if (o[2] != 5 + classes) {
    throw core::DataError(
        what,
        "the card lists " + std::to_string(classes) + " classes but the model outputs " + std::to_string(o[2] - 5),
        "the card's 'classes' must match the model's output, in order");
  }
  check.layout = "yolov5 [1, N, 5 + classes]: cx, cy, w, h, objectness, class scores";
  check.anchors = o[1];
  check.classes = classes;
  return check;
}

}  // namespace swath::detect
