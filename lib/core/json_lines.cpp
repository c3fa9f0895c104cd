// JsonLinesReader: the one reader of JSON Lines files, so every manifest error names its file and line the same way.
#include "core/json_lines.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"

namespace swath::core {

bool is_json_lines_path(const std::string& path) { return path.size() > 6 && path.ends_with(".jsonl"); }

std::string string_field(const Json& line, const char* key) {
  const auto* value = line.find(key);
  return value != nullptr && value->is_string() ? value->as_string() : "";
}

JsonLinesReader::JsonLinesReader(std::string path, MalformedLines malformed)
    : path_(std::move(path)), malformed_(malformed), in_(path_) {
  if (std::error_code ec; std::filesystem::is_directory(path_, ec)) {  // opens, then fails its first read
    throw IoError("cannot read manifest '" + path_ + "'", "it is a directory",
                  "give the manifest file in it (e.g. '" + path_ + "/tiles.jsonl')");
  }
  if (!in_) {
    const int error = errno;  // the open's (libstdc++ opens with open(2))
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec) && !ec)
      throw IoError("cannot read manifest '" + path_ + "'", "no such file", "check the path");
    throw IoError("cannot read manifest '" + path_ + "'", error != 0 ? std::strerror(error) : "it cannot be opened",
                  "check the path and its permissions");
  }
}

std::optional<JsonLine> JsonLinesReader::next(std::string_view containing) {
  std::string text;
  while (std::getline(in_, text)) {
    ++number_;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!containing.empty() && text.find(containing) == std::string::npos) continue;
    std::string where = "manifest " + path_ + ":" + std::to_string(number_);
    Json value;
    try {
      value = parse_json_members(text, keep_);
      if (!keep_.empty() && value.find(whole_) != nullptr) value = Json::parse(text);
    } catch (const Error& e) {
      if (malformed_ == MalformedLines::skip) continue;
      throw DataError(where, "not JSON: " + e.why(), "each line of a manifest is one JSON object");
    }
    if (!value.is_object()) {
      if (malformed_ == MalformedLines::skip) continue;
      throw DataError(where, "not a JSON object", "each line of a manifest is one JSON object");
    }
    return JsonLine{std::move(value), std::move(where)};
  }
  if (in_.bad()) throw IoError("cannot read manifest '" + path_ + "'", "a read failed part-way", "check the disk");
  return std::nullopt;
}

void JsonLinesReader::keep_only(std::vector<std::string> members, std::string whole) {
  members_ = std::move(members);
  members_.push_back(std::move(whole));
  whole_ = members_.back();
  keep_.assign(members_.begin(), members_.end());
}

std::vector<JsonLine> read_json_lines(const std::string& path) {
  JsonLinesReader reader(path);
  std::vector<JsonLine> out;
  while (auto line = reader.next()) out.push_back(std::move(*line));
  return out;
}

}  // namespace swath::core
