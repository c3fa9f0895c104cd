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

tiling::TileOptions tile_options(const std::string& scene, const std::string& output, std::int64_t size, std::int64_t overlap) {
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

std::vector<std::pair<std::string, std::string>> tree(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.emplace_back(fs::relative(entry.path(), dir).string(), core::read_file(entry.path().string()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

void corrupt_block(const std::string& path, int bx, int by) {
  std::uint64_t offset = 0, size = 0;
  {
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER));
    auto* band = ds->GetRasterBand(1);
    const std::string suffix = std::to_string(bx) + "_" + std::to_string(by);
    const char* o = band->GetMetadataItem(("BLOCK_OFFSET_" + suffix).c_str(), "TIFF");
    const char* s = band->GetMetadataItem(("BLOCK_SIZE_" + suffix).c_str(), "TIFF");
    if (o == nullptr || s == nullptr) throw std::runtime_error("no block offset for " + suffix);
    offset = std::stoull(o);
    size = std::stoull(s);
  }
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  const std::string garbage(size, '\xff');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!file) throw std::runtime_error("cannot corrupt " + path);
}

}  // namespace swath::test
