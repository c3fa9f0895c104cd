// Claims' texts respelt: each "creation_options" list as tiling::canonical_creation_options records it.
#include "fleet/claim_spelling.hpp"

#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "tiling/options.hpp"

namespace swath::fleet {

std::string claim_spelling(const std::string& text) {
  static const std::string key = "\"creation_options\":[";
  std::string out;
  std::size_t from = 0;
  for (auto at = text.find(key, from); at != std::string::npos; at = text.find(key, from)) {
    const std::size_t open = at + key.size() - 1;
    std::size_t end = open + 1;  // the list's ']': the first outside a JSON string
    for (bool in_string = false; end < text.size(); ++end) {
      const char c = text[end];
      if (in_string) {
        if (c == '\\')
          ++end;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == ']') {
        break;
      }
    }
    if (end >= text.size()) break;
    out.append(text, from, open - from);
    try {
      const core::Json given = core::Json::parse(std::string_view(text).substr(open, end + 1 - open));
      std::vector<std::string> items;
      for (const auto& item : given.as_array()) items.push_back(item.as_string());
      core::Json canonical = core::Json::array();
      for (auto& item : tiling::canonical_creation_options(std::move(items))) canonical.push_back(std::move(item));
      out += canonical.dump();
    } catch (const core::Error&) {
      out.append(text, open, end + 1 - open);  // not a list of strings: compared as it is
    }
    from = end + 1;
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace swath::fleet
