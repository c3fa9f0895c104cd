// Tiling test helpers over the real files tile_scenes writes.
#include "support/tile_helpers.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/files.hpp"
#include "support/process.hpp"

namespace swath::test {

namespace fs = std::filesystem;

tiling::TileOptions tile_options(const std::string& scene, const std::string& output, std::int64_t size,
                                 std::int64_t overlap) {
  tiling::TileOptions options;
  options.scenes = {scene};
  options.output_dir = output;
  options.grid = {size, overlap, tiling::Edge::pad};
  options.resources.threads = 2;
  options.skip_blank = 0;
  return options;
}

std::vector<core::Json> manifest_lines(const std::string& output) {
  std::vector<core::Json> out;
  for (const auto& line : lines(core::read_file(output + "/tiles.jsonl"))) out.push_back(core::Json::parse(line));
  return out;
}

std::string concatenated_manifests(const std::vector<std::string>& outputs) {
  std::string text;
  for (const auto& output : outputs) {
    for (auto line : manifest_lines(output)) {
      if (const auto* path = line.find("path"); path != nullptr && path->is_string())
        line.set("path", (std::filesystem::path(output) / path->as_string()).string());
      text += line.dump() + "\n";
    }
  }
  return text;
}

std::vector<std::pair<std::string, std::string>> tree(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file())
      files.emplace_back(fs::relative(entry.path(), dir).string(), core::read_file(entry.path().string()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string strip_scene(const std::string& path) {
  return make_scene(path, {.width = 8000, .height = 16, .bands = 3, .type = GDT_Byte, .pixel = [](int b, int x, int y) {
                             return (x + 7 * y + 40 * b) % 251;
                           }});
}

std::map<std::string, std::string> pyramid_files(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = fs::relative(entry.path(), root).string();
    if (entry.is_regular_file() && name.rfind("tiles.shard-", 0) != 0 && name.rfind("swath-records/", 0) != 0)
      out[name] = core::read_file(entry.path().string());
  }
  return out;
}

}  // namespace swath::test
