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

// "*.jsonl": a manifest rather than a raster.
bool is_json_lines_path(const std::string& path);

// The string at `key`, or "" when it is absent or not a string.
std::string string_field(const Json& line, const char* key);

// Reads every non-blank line of `path`. Throws IoError when the file cannot be read, DataError naming the line
// when a line is not JSON or not an object.
std::vector<JsonLine> read_json_lines(const std::string& path);

}  // namespace swath::core
