// Reads the first graph input's shape straight from an ONNX file (a few protobuf fields), so a card can
// be checked against the model and dynamic shapes reported before OpenCV is asked to run it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swath::detect {

struct OnnxInput {
  std::string name;
  std::vector<std::int64_t> dims;      // -1 where the dimension is symbolic or unknown
  std::vector<std::string> dim_names;  // the symbolic names ("" for fixed dimensions)
  std::int64_t opset = 0;
  bool dynamic() const;
};

// Nothing when the bytes are not an ONNX model with a graph input.
std::optional<OnnxInput> read_onnx_input(std::string_view bytes);

}  // namespace swath::detect
