// A tiles.jsonl manifest planned for `swath enqueue`: its lines grouped into batches of K, each with the paths
// a task of the given kind reads. Reads the manifest (and checks that tile-task scenes exist); no Redis.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/json.hpp"

namespace swath::fleet {

struct ManifestBatch {
  std::vector<std::string> inputs;    // resolved (or /vsi) paths, in line order, no repeats (detect: one per line)
  core::Json::Array lines;            // the manifest lines of the batch (detect: their labels; tile: see indices)
  std::vector<std::int64_t> indices;  // tile: each line's grid index, all a tile task needs of it
  // tile: the scene's fingerprint as the header records it and the file has it now; "" when it records none.
  std::string fingerprint;
  std::size_t size() const { return lines.size() + indices.size(); }
};

struct Manifest {
  core::Json header;  // the first header line (the one with "schema"), null when there is none
  std::vector<ManifestBatch> batches;
};

// The manifest is read by tiling::ManifestReader (the header is the line with "schema", not a tile; a header
// governs the lines after it). How each kind finds what it reads (swath tile's own manifests work for both):
//   detect: the tile FILE of each line, its "path" relative to the manifest's directory, spelt one way
//           (core::resolved_path), one input per line; `lines` holds each line's {"id","scene","sha256"} (what its
//           detections are labelled with). Blank lines are skipped; a failed line is a UsageError naming
//           file:line (no task could examine it); a line without "path" is a DataError naming file:line.
//   tile:   the SCENE of each line: its "scene" looked up by name in the "scenes" of the header it follows, whose
//           "source" (relative to the current directory when relative) is the path; else "scene" itself
//           must be a file. A batch holds lines of one scene only (its indices select that scene's tiles).
//           A scene that resolves to no file is a UsageError naming file:line, the scene and how to fix it;
//           so is a header on another grid than the first header's (the tasks re-tile the first one's).
//   other:  the line's "scene" or "input" as a path (relative to the current directory), else the manifest.
// Throws IoError when the manifest cannot be read, DataError for a line that is not a JSON object.
Manifest read_manifest(const std::string& path, const std::string& kind, std::size_t per_batch);
// The same one batch at a time (a manifest may hold millions of lines): `on_batch` gets each with the manifest's
// first header as read so far (null before it). Tile batches before it are held until it is read (or the end), so
// each sees the one read_manifest gives: their grid is its (manifest_task_options). Returns the first header.
core::Json for_each_batch(const std::string& path, const std::string& kind, std::size_t per_batch,
                          const std::function<void(const core::Json& header, ManifestBatch&& batch)>& on_batch);

// The options of the tasks planned from a `swath tile` manifest: for tile tasks, the header's grid (size,
// overlap, edge), so that the lines' indices select the very tiles the manifest lists. `given` is what --options
// set explicitly: a grid value there that differs from the header's is a UsageError naming both. Other kinds,
// and manifests without options in their header, keep `options`.
core::Json manifest_task_options(const std::string& kind, const core::Json& options, const core::Json& given,
                                 const core::Json& header, const std::string& manifest);

}  // namespace swath::fleet
