// `swath tile --grid xyz --merge-shards DIR`: the N shards' tiles (webmap/shards.hpp) made into the pyramid one
// machine makes: the zooms above the split built from the split zoom's tiles on disk (decoded, never the scenes),
// then DIR/tiles.jsonl (the same lines, in the same order, as a run in one go), tiles.geojson and tilejson.json.
#pragma once

#include <string>

#include "pipeline/progress.hpp"
#include "tiling/tile.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

// With options.archive (-o OUT.pmtiles), every tile also goes into that PMTiles archive: the bytes one machine's
// `-o OUT.pmtiles` writes.
// `options`: those the shards were given (what shapes the tiles must match their manifests'; scenes, when given,
// must be theirs). Throws UsageError (no shard manifest in `dir`, shards or options that disagree), DataError (a
// shard missing or unfinished, a tile it lists missing or changed), IoError, core::Interrupted.
// `write_dir` (a fleet merge task's staging directory): where the made tiles, manifest and TileJSON go, when not
// `dir` itself (the shards' tiles are read from `dir` either way).
tiling::TileReport merge_shards(const PyramidOptions& options, const std::string& dir,
                                pipeline::ProgressSink* progress = nullptr, const std::string& write_dir = "");

}  // namespace swath::webmap
