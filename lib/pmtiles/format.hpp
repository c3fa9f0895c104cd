// The PMTiles v3 binary layout as pure functions: the 127-byte header, directories (varint columns) and the split of
// a long directory into a root and leaf directories. No I/O: ArchiveWriter puts these bytes into a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swath::pmtiles {

inline constexpr std::size_t header_bytes = 127;
// Header plus root directory must fit in the first 16 KiB, which clients fetch in one request.
inline constexpr std::size_t max_root_bytes = 16384 - header_bytes;

enum class Compression : std::uint8_t { unknown = 0, none = 1, gzip = 2, brotli = 3, zstd = 4 };
enum class TileType : std::uint8_t { unknown = 0, mvt = 1, png = 2, jpeg = 3, webp = 4, avif = 5 };

struct Header {
  std::uint64_t root_offset = 0, root_length = 0;
  std::uint64_t metadata_offset = 0, metadata_length = 0;
  std::uint64_t leaf_offset = 0, leaf_length = 0;
  std::uint64_t tile_data_offset = 0, tile_data_length = 0;
  std::uint64_t addressed_tiles = 0;  // sum of run lengths
  std::uint64_t tile_entries = 0;     // entries with a run length > 0
  std::uint64_t tile_contents = 0;    // distinct blobs in the tile data
  bool clustered = false;             // tile data in tile id order
  Compression internal_compression = Compression::gzip;
  Compression tile_compression = Compression::none;
  TileType tile_type = TileType::unknown;
  std::uint8_t min_zoom = 0, max_zoom = 0;
  std::int32_t min_lon_e7 = 0, min_lat_e7 = 0, max_lon_e7 = 0, max_lat_e7 = 0;  // degrees × 10^7
  std::uint8_t center_zoom = 0;
  std::int32_t center_lon_e7 = 0, center_lat_e7 = 0;
  friend bool operator==(const Header&, const Header&) = default;
};

// A directory entry: `run_length` tiles from `tile_id` on share the blob at `offset` (from the tile data's start);
// run_length 0 points to a leaf directory at `offset` from the leaf section's start.
struct Entry {
  std::uint64_t tile_id = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t run_length = 0;
  friend bool operator==(const Entry&, const Entry&) = default;
};

std::string serialize_header(const Header& header);
// Throws DataError naming `what` for a short buffer, a wrong magic number or a version other than 3.
Header parse_header(std::string_view bytes, const std::string& what);

// LEB128 unsigned varint, as PMTiles directories store every number.
void append_varint(std::string& out, std::uint64_t value);

// The uncompressed directory: entry count, tile id deltas, run lengths, lengths, then offsets (0 for "right after
// the previous entry's blob", else offset + 1). Entries must be in ascending tile id order.
std::string serialize_directory(const std::vector<Entry>& entries);
// The inverse of serialize_directory; throws DataError naming `what` on truncated or malformed bytes.
std::vector<Entry> parse_directory(std::string_view bytes, const std::string& what);

// The gzip-compressed root directory and the concatenated gzip-compressed leaf directories.
struct Directories {
  std::string root;
  std::string leaves;
  std::size_t leaf_count = 0;
};

// All entries in the root when it compresses to `root_budget` bytes or less; otherwise leaf directories of equal
// entry counts (4,096 entries first, 1.2× more until the root of leaf pointers fits), the root pointing to each.
Directories build_directories(const std::vector<Entry>& entries, std::size_t root_budget = max_root_bytes);

}  // namespace swath::pmtiles
