// JSON Lines files (manifests): one object per non-blank line, each named by file and line for messages.
#pragma once

#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"

namespace swath::core {

struct JsonLine {
  Json value;         // an object
  std::string where;  // "manifest PATH:LINE", the subject of errors about this line
};

// Json::parse's checks, but of a top-level object only the members named in `keep` are built (an empty `keep`:
// all); the rest are skipped unbuilt. For a few fields of long lines, read by the million.
Json parse_json_members(std::string_view text, std::span<const std::string_view> keep);

// "*.jsonl": a manifest rather than a raster.
bool is_json_lines_path(const std::string& path);

// The string at `key`, or "" when it is absent or not a string.
std::string string_field(const Json& line, const char* key);

// What a malformed line (not JSON, not an object) is: a DataError naming it, or passed over (a journal's last
// line torn by a kill, read by code that redoes what it cannot read).
enum class MalformedLines { refuse, skip };

// Reads a JSON Lines file one line at a time, so a manifest of millions of lines is never held whole.
class JsonLinesReader {
 public:
  // Throws IoError when the file cannot be opened.
  explicit JsonLinesReader(std::string path, MalformedLines malformed = MalformedLines::refuse);

  // The next non-blank line; nullopt at the end. Lines whose text does not contain `containing` (when given)
  // are passed over unparsed: a cheap way to the few lines a reader wants in a large file. Throws IoError when a
  // read fails part-way, DataError for a malformed line (MalformedLines::refuse).
  std::optional<JsonLine> next(std::string_view containing = {});

  // From now on each line's object holds only the top-level `members` (the others are checked as JSON and skipped,
  // unbuilt: a few fields of a long line are read cheaply), except a line with the member `whole`, kept whole.
  void keep_only(std::vector<std::string> members, std::string whole);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  MalformedLines malformed_;
  std::vector<std::string> members_;  // keep_only: `members` and `whole`
  std::vector<std::string_view> keep_;
  std::string whole_;
  std::ifstream in_;
  std::size_t number_ = 0;
};

// Reads every non-blank line of `path`. Throws IoError when the file cannot be read, DataError naming the line
// when a line is not JSON or not an object.
std::vector<JsonLine> read_json_lines(const std::string& path);

}  // namespace swath::core
