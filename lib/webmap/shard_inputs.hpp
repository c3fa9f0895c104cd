// The merge's input: the N shard manifests of a directory found, checked complete and alike, and read.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/json.hpp"

namespace swath::webmap {

struct ShardRecord {
  bool written = false;  // else blank (in range, no data)
  std::string sha256;
  std::uint64_t bytes = 0;
};

struct ShardSet {
  core::Json header;  // the run's manifest header: a shard's without its "shard" entry
  core::Json shard;   // shard 0's "shard" entry (split and root zooms, scene extents, data bands)
  std::int64_t count = 0;
  std::unordered_map<std::string, ShardRecord> records;  // every shard's tiles, by "z/x/y"
};

// Throws UsageError (no shard manifest in `dir`, shards of several counts, shards whose headers differ beyond their
// index), DataError (a shard missing, unfinished — its journal without its manifest — or two listing one tile),
// IoError.
ShardSet read_shards(const std::string& dir);

// `object` without `key` (a shard header without "shard", a "shard" entry without "index").
core::Json without(const core::Json& object, const std::string& key);

}  // namespace swath::webmap
