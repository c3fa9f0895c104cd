// What a tile task's earlier run left in its output that a new run of it (enqueue --force) did not write again.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace swath::fleet {

// The tiles the manifest `manifest_name` in `output` lists as written: relative path → recorded size. Nothing when
// there is no such manifest; lines that do not name a plain relative path under the output are passed over (never
// a file outside it).
std::map<std::string, std::uint64_t> listed_tiles(const std::string& output, const std::string& manifest_name);

// Those of a task's earlier run (its manifest `manifest_name`) not among `written` (the new run's files, relative
// paths): a tile that turned blank or failed, or one off a scene rewritten smaller.
std::map<std::string, std::uint64_t> earlier_tiles_not_written(const std::string& output,
                                                               const std::string& manifest_name,
                                                               const std::set<std::string>& written);

}  // namespace swath::fleet
