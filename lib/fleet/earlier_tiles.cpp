// The earlier run's tiles a forced re-run of a tile task leaves behind, for the worker to remove once it commits.
#include "fleet/earlier_tiles.hpp"

#include <filesystem>
#include <variant>

#include "core/errors.hpp"
#include "tiling/manifest_reader.hpp"
#include "worker/settle.hpp"

namespace swath::fleet {

std::map<std::string, std::uint64_t> listed_tiles(const std::string& output, const std::string& manifest_name) {
  std::map<std::string, std::uint64_t> listed;
  const std::string path = output + "/" + manifest_name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return listed;
  tiling::ManifestReader reader(path, core::MalformedLines::skip);
  reader.keep_only({"status", "path", "bytes"});
  while (auto entry = reader.next()) {
    const auto* line = std::get_if<tiling::ManifestLine>(&*entry);
    if (line == nullptr || line->status != "written" || !line->bytes) continue;
    try {
      worker::check_output_name(line->path);  // relative, no "..", nothing hidden
    } catch (const core::DataError&) {
      continue;
    }
    listed[line->path] = static_cast<std::uint64_t>(*line->bytes);
  }
  return listed;
}

std::map<std::string, std::uint64_t> earlier_tiles_not_written(const std::string& output,
                                                               const std::string& manifest_name,
                                                               const std::set<std::string>& written) {
  auto earlier = listed_tiles(output, manifest_name);
  std::erase_if(earlier, [&](const auto& entry) { return written.count(entry.first) > 0; });
  return earlier;
}

}  // namespace swath::fleet
