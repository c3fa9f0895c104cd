// What a tile task's earlier run left in its output that a new run of it (enqueue --force) did not write again.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace swath::fleet {

// The tiles the manifest `manifest_name` in `output` lists as written: relative path → recorded size. Nothing when
// there is no such manifest; lines that do not name a plain relative path under the output are passed over (never
// a file outside it).
std::map<std::string, std::uint64_t> listed_tiles(const std::string& output, const std::string& manifest_name);

// The tiles of a chip task's earlier run (its manifest `manifest_name` in `output`) that its new run, whose manifest
// is `new_manifest` (staged), leaves to no one: a cell of its own selection that it did not write (blank or failed
// now), or one off its scene's new grid (a scene rewritten smaller). A cell of the new grid outside its selection is
// another task's (a shard's membership moves with the grid's width): kept, that task may have just written it. A
// file at a cell of its selection that it did not write is listed too, at its present size, whoever wrote it
// (tiles named SCENE/rNNNNNN_cNNNNNN.`extension`).
std::map<std::string, std::uint64_t> earlier_tiles_left(const std::string& output, const std::string& manifest_name,
                                                        const std::string& new_manifest, const std::string& extension);

// The tiles the manifest `manifest_name` in `output` lists that are not among `kept` (relative paths).
std::map<std::string, std::uint64_t> earlier_tiles_not_kept(const std::string& output, const std::string& manifest_name,
                                                            const std::set<std::string>& kept);

}  // namespace swath::fleet
