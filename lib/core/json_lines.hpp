// JSON Lines files (manifests): one object per non-blank line, each named by file and line for messages.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::core {

struct JsonLine {
  Json value;         // an object
  std::string where;  // "manifest PATH:LINE", the subject of errors about this line
};

// Reads every non-blank line of `path`. Throws IoError when the file cannot be read, DataError naming the line
// when a line is not JSON or not an object.
std::vector<JsonLine> read_json_lines(const std::string& path);

}  // namespace swath::core
