// Tiles for the archive tests and a reader of archives built from the pure format functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pmtiles/format.hpp"

namespace swath::test {

struct TestTile {
  int z;
  std::uint32_t x, y;
  std::string bytes;
};

// Every tile of zooms 0..max_zoom: sizes from 1 byte to ~`max_size`, every 5th tile and a block of the top zoom
// the same "ocean" blob (duplicates, and runs of consecutive tile ids), in a shuffled order seeded by `seed`.
std::vector<TestTile> pyramid_tiles(int max_zoom, std::size_t max_size, unsigned seed);

struct ReadArchive {
  pmtiles::Header header;
  std::map<std::uint64_t, std::string> tiles;  // by tile id
  std::size_t leaves = 0;
  bool blobs_clustered = true;  // every new blob right after the previous new one, duplicates pointing back
  std::string metadata;
};

// Reads every directory and tile of `path` with pmtiles::parse_header/parse_directory.
ReadArchive read_archive(const std::string& path);

}  // namespace swath::test
