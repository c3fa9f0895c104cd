// The YAML model card beside an ONNX model: what the model expects and what its outputs mean,
// and `--check-model`: load the model, compare it with its card, report its layout.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::detect {

struct ModelCard {
  std::string path;               // of the card
  std::string model;              // the .onnx, resolved against the card's directory
  std::string format = "yolov5";  // output [1, N, 5 + classes]
  int input_width = 0, input_height = 0;
  std::vector<std::string> classes;
  std::vector<int> bands{1, 2, 3};  // scene bands fed as the model's channels (RGB order)
  double scale = 1.0 / 255;         // input = pixel × scale
  double score_threshold = 0.25;
  double nms_iou = 0.45;
  double pixel_metres = 0;  // ground resolution trained on (0: any); informs, not enforced
  std::string description;
};

// Reads and validates a card; throws IoError (unreadable) / DataError (bad field, naming it).
ModelCard load_model_card(const std::string& path);

struct ModelCheck {
  std::vector<int> input_shape;   // N, C, H, W
  std::vector<int> output_shape;  // as run on a dummy input
  std::string layout;             // "yolov5 [1, N, 5 + classes]"
  int anchors = 0;
  int classes = 0;
};
core::Json to_json(const ModelCheck& check);

// Loads the model with OpenCV 4.6, runs it once on a blank input of the card's size and checks the
// output against the card. Throws DataError with a clear reason: missing/corrupt model, dynamic input
// shape, layers OpenCV cannot run, a YOLOv8-style [1, 4 + classes, N] output, class count or input size
// that disagree with the card.
ModelCheck check_model(const ModelCard& card);
// The same on the model's bytes, already read with read_model.
ModelCheck check_model(const ModelCard& card, const std::string& model_bytes);
// The card's ONNX file; IoError naming it and the card when it is missing.
std::string read_model(const ModelCard& card);

}  // namespace swath::detect
