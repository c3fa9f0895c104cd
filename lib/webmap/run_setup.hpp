// What a pyramid run and a shard merge share: the layout from scenes and options, the manifest header, the
// tile records, and the output's z/x directories.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "tiling/manifest.hpp"
#include "webmap/block.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

// Opens and checks every scene (warnings logged); throws as prepare_scene and check_same_layout do.
std::vector<PyramidScene> prepare_scenes(const PyramidOptions& options);

// Zooms, blocks' root zoom, tile look and every scene's tile ranges (from its extent in metres).
PyramidLayout make_layout(const PyramidOptions& options, const std::vector<PyramidScene>& scenes);

// Each scene's tile range at every zoom up to zooms.max ([scene part][zoom], world_parts; empty below zooms.min).
std::vector<std::vector<TileRange>> scene_ranges(const std::vector<PyramidScene>& scenes, ZoomRange zooms,
                                                 int tile_size);

// The tile look of `options` for scenes of `data_bands` bands (PNG at level 1 unless --co ZLEVEL says: swath's
// encoder maps ZLEVEL=N to libdeflate's level N, png_writer.hpp).
tiling::TileLook tile_look(const PyramidOptions& options, std::size_t data_bands);

// Tiles in some scene's range (a row's ranges merged) at zooms from `from_zoom` to the base; with `within`, only
// those in its subtree.
std::int64_t count_in_range(const PyramidLayout& layout, int from_zoom, const TileKey* within = nullptr);

// The manifest header of a run: schema, grid, provenance, options, zooms, scenes.
core::Json header_json(const PyramidOptions& options, const PyramidLayout& layout, const core::Json& provenance);

// Removes the temporaries that killed runs of this host left among the tiles of `layout` under `dir` (DIR/Z/X/ for
// every zoom and column of some scene's range), as core::remove_stale_temporaries judges them; other files stay.
void remove_stale_tile_temporaries(const std::string& dir, const PyramidLayout& layout);

// A tile's manifest record (bounds in EPSG:3857 and WGS84; a path when written).
tiling::TileRecord record_of(const TileKey& key, const std::string& sha256, std::uint64_t bytes,
                             const PyramidOptions& options, tiling::TileStatus status = tiling::TileStatus::written);

// Makes DIR/z/x once per run, from any thread. Throws IoError.
class Directories {
 public:
  explicit Directories(std::string root) : root_(std::move(root)) {}
  void ensure(const TileKey& key);

 private:
  std::string root_;
  std::mutex mutex_;
  std::set<std::string> made_;
};

}  // namespace swath::webmap
