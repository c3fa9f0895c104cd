// read_json_lines: the one reader of manifests, so every manifest error names its file and line the same way.
#include "core/json_lines.hpp"

#include <fstream>

#include "core/errors.hpp"

namespace swath::core {

bool is_json_lines_path(const std::string& path) { return path.size() > 6 && path.ends_with(".jsonl"); }

std::string string_field(const Json& line, const char* key) {
  const auto* value = line.find(key);
  return value != nullptr && value->is_string() ? value->as_string() : "";
}

std::vector<JsonLine> read_json_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("cannot read manifest '" + path + "'", "it cannot be opened", "check the path");
  std::vector<JsonLine> out;
  std::string text;
  for (std::size_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = "manifest " + path + ":" + std::to_string(number);
    Json value;
    try {
      value = Json::parse(text);
    } catch (const Error& e) {
      throw DataError(where, "not JSON: " + e.why(), "each line of a manifest is one JSON object");
    }
    if (!value.is_object()) throw DataError(where, "not a JSON object", "each line of a manifest is one JSON object");
    out.push_back({std::move(value), std::move(where)});
  }
  if (in.bad()) throw IoError("cannot read manifest '" + path + "'", "a read failed part-way", "check the disk");
  return out;
}

}  // namespace swath::core
