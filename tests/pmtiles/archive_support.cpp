// Test tiles and a reader of PMTiles archives for the pmtiles suite.
#include "archive_support.hpp"

#include <algorithm>
#include <random>

#include "core/files.hpp"
#include "pmtiles/gzip.hpp"

namespace swath::test {

std::vector<TestTile> pyramid_tiles(int max_zoom, std::size_t max_size, unsigned seed) {
  std::vector<TestTile> out;
  const std::string ocean(97, 'o');
  std::mt19937 rng(12345);  // the content depends on z/x/y only; `seed` only shuffles
  for (int z = 0; z <= max_zoom; ++z) {
    const std::uint32_t n = 1u << z;
    for (std::uint32_t x = 0; x < n; ++x) {
      for (std::uint32_t y = 0; y < n; ++y) {
        std::string bytes;
        if ((x + y) % 5 == 0 || (z == max_zoom && x < n / 4 && y < n / 4)) {
          bytes = ocean;
        } else {
          const std::size_t size = 1 + rng() % max_size;
          bytes = std::to_string(z) + "/" + std::to_string(x) + "/" + std::to_string(y) + ":";
          while (bytes.size() < size) bytes.push_back(static_cast<char>(rng() & 0xFF));
        }
        out.push_back({z, x, y, std::move(bytes)});
      }
    }
  }
  std::shuffle(out.begin(), out.end(), std::mt19937(seed));
  return out;
}

ReadArchive read_archive(const std::string& path) {
  const std::string file = core::read_file(path);
  ReadArchive out;
  out.header = pmtiles::parse_header(file, path);
  const auto& h = out.header;
  out.metadata = pmtiles::gzip_decompress(file.substr(h.metadata_offset, h.metadata_length), "metadata");
  std::uint64_t data_end = 0;
  auto walk = [&](auto& self, std::uint64_t offset, std::uint64_t length) -> void {
    const auto entries =
        pmtiles::parse_directory(pmtiles::gzip_decompress(file.substr(offset, length), "directory"), "directory");
    for (const auto& e : entries) {
      if (e.run_length == 0) {
        ++out.leaves;
        self(self, h.leaf_offset + e.offset, e.length);
        continue;
      }
      if (e.offset == data_end) {
        data_end += e.length;
      } else if (e.offset > data_end) {
        out.blobs_clustered = false;
      }
      for (std::uint32_t i = 0; i < e.run_length; ++i) {
        out.tiles[e.tile_id + i] = file.substr(h.tile_data_offset + e.offset, e.length);
      }
    }
  };
  walk(walk, h.root_offset, h.root_length);
  return out;
}

}  // namespace swath::test
