// `swath tile --grid xyz` as a library call: scenes in, a WebMercator z/x/y pyramid out, in one pass.
//
// Output: DIR/{z}/{x}/{y}.{png|jpg|webp} (tiles with data only), DIR/tiles.jsonl (header, then a line per tile:
// id "z/x/y", z, x, y, path, bounds in EPSG:3857, bounds_wgs84, bytes, sha256; read by tiling::ManifestReader),
// DIR/tiles.geojson (footprints), DIR/tilejson.json (TileJSON 3.0.0). With PyramidOptions::archive, only that PMTiles
// file: the same tiles, metadata = the TileJSON (less `tiles`) + "swath": the manifest header (webmap/archive_output).
// With --shard I/N (PyramidOptions::sharded): only the subtrees of shard I below the split zoom (webmap/shards.hpp),
// their manifest tiles.shard-I-of-N.jsonl and no TileJSON; webmap/merge.hpp makes the rest.
// Each scene is read once: blocks of base tiles (subtrees) are warped in parallel and reduced to their root in
// memory; the zooms above the roots are built in the in-order sink from the roots. Deterministic: the blocks and
// their order do not depend on --threads, so neither do the bytes.
#pragma once

#include "pipeline/progress.hpp"
#include "tiling/tile.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

// Throws UsageError (options), IoError (a scene cannot be opened, the output cannot be written), DataError (a
// scene without a place on Earth, of another layout than the first, that GDAL cannot warp), core::Interrupted.
tiling::TileReport build_pyramid(const PyramidOptions& options, pipeline::ProgressSink* progress = nullptr);

}  // namespace swath::webmap
