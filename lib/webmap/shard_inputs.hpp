// The merge's input: the N shard manifests of a directory found, checked complete and alike, and read.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/json.hpp"
#include "webmap/mercator.hpp"

namespace swath::webmap {

// A tile a shard recorded: the merge holds every tile's, about 90 bytes each with the map's node.
struct ShardRecord {
  std::array<std::uint8_t, 32> sha256{};  // binary; zero when blank
  std::uint64_t bytes = 0;
  bool written = false;  // else blank (in range, no data)
  std::string sha256_hex() const;
};

// A tile key as one number (z < 32, x and y < 2^29), the records' key.
std::uint64_t packed(const TileKey& key);
// The key `packed` made.
TileKey unpacked(std::uint64_t packed_key);

struct ShardSet {
  core::Json header;  // the run's manifest header: a shard's without its "shard" entry
  core::Json shard;   // shard 0's "shard" entry (split and root zooms, scene extents, data bands)
  std::int64_t count = 0;
  std::unordered_map<std::uint64_t, ShardRecord> records;  // every shard's tiles, by packed(key)
};

// Throws UsageError (no shard manifest in `dir`, shards of several counts, shards whose headers differ beyond their
// index), DataError (a shard missing, unfinished — its journal without its manifest — or two listing one tile),
// IoError.
ShardSet read_shards(const std::string& dir);

// `object` without `key` (a shard header without "shard", a "shard" entry without "index").
core::Json without(const core::Json& object, const std::string& key);

}  // namespace swath::webmap
