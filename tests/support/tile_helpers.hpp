// Helpers for tiling tests: run tile_scenes on a scratch directory and read back what it wrote.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "support/rasters.hpp"  // corrupt_block, for the tests that cut corrupt scenes
#include "tiling/tile.hpp"

namespace swath::test {

// Options for one scene into `output` with a small grid; tests change what they need.
tiling::TileOptions tile_options(const std::string& scene, const std::string& output, std::int64_t size = 32,
                                 std::int64_t overlap = 0);

// The manifest's lines: [0] is the header, then one object per tile.
std::vector<core::Json> manifest_lines(const std::string& output);

// The manifests in `outputs` (swath tile's output directories) as one text, each line's tile "path" made absolute
// so it still names the file from anywhere (concatenated manifests, as a user makes them).
std::string concatenated_manifests(const std::vector<std::string>& outputs);

// Every regular file under `dir` (relative path → content), hidden temporaries included.
std::vector<std::pair<std::string, std::string>> tree(const std::string& dir);

// A long Byte RGB strip at `path` (8000 × 16 pixels of 10 m, UTM 18N): zooms 10-15 give ~170 tiles in enough
// subtrees across that shards split it below, at and above the blocks' roots.
std::string strip_scene(const std::string& path);

// A pyramid's files under `root`, relative path → bytes: all but the shards' manifests and indexes (tiles.shard-*)
// and the fleet's done records (swath-records/), which one machine's run does not write.
std::map<std::string, std::string> pyramid_files(const std::string& root);

}  // namespace swath::test
