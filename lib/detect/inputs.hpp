// What `swath detect` reads: scenes named on the command line, or the tiles listed in a tiles.jsonl manifest.
#pragma once

#include <string>
#include <vector>

namespace swath::detect {

struct InputScene {
  std::string path;          // as GDAL opens it
  std::string label;         // the `scene` attribute
  std::string tile;          // tile id from a manifest ("" for whole scenes: the grid window id is used)
  std::string tiling_error;  // a manifest's failed tile (no file, nothing to read): why it failed; else ""
  std::string sha256;        // a manifest's tile: the SHA-256 its line records for the file ("" when none)
};

// Expands `.jsonl` manifests (swath tile's tiles.jsonl, read by tiling::ManifestReader): each tile line names
// its file in "path" (relative to the manifest's directory unless absolute), optionally "id" (the `window`
// attribute), "scene" (the `scene` attribute) and "status" ("blank" lines are skipped; a "failed" line becomes an
// input with its "error" in tiling_error and no path, so what it covers is reported unexamined); the header
// (the line with "schema") is not a tile. Other keys are ignored; each tile must be a georeferenced raster.
// Throws UsageError for no inputs, IoError / DataError naming the manifest line.
std::vector<InputScene> expand_inputs(const std::vector<std::string>& inputs);

}  // namespace swath::detect
