// A scene the run would write over or remove: one named and placed as a tile of the output (a chip tiled again into
// its own folder, or, under --overwrite, among the tiles of other runs it removes; a pyramid's z/x/y file).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "raster/fingerprint.hpp"
#include "tiling/options.hpp"

namespace swath::tiling {

// Throws UsageError naming the scene when it is a tile's path below `output_dir`: OUT/<dir>/rNNN_cNNN.<ext> where
// <dir> is one of `tile_dirs` (the run's scene directories, written) or, with `overwrite`, any directory (another
// run's tiles, removed); with `pyramid`, OUT/<z>/<x>/<y>.<ext>. Other files below the output are no tiles, never
// written or removed: left alone. /vsi paths are not looked at.
void refuse_scenes_in_output(const std::vector<std::string>& scenes, const std::string& output_dir,
                             const std::vector<std::string>& tile_dirs, bool pyramid, bool overwrite);

// The files a run (any shard of it) writes beside the scenes' tile directories.
std::set<std::string> run_file_names(const TileOptions& options);

// Throws UsageError naming the scene whose tile directory (`names`, tiling::scene_names) would be one of the run's
// own files (tiles.jsonl.tif, refused only at the end, its tiles made), hidden (".x.tif": ls and globs pass over it,
// a worker commits no hidden output), or one of `reserved` (a fleet's swath-records). `verb` ends the hint ("tile").
void refuse_scene_names(const TileOptions& options, const std::vector<std::string>& names,
                        const std::set<std::string>& reserved, const std::string& verb);

// A scene replaced or written while it was tiled (a copy landing over it; a fleet task running when the scene was
// rewritten): its tiles may mix the two. Throws IoError naming `path` when its stamp is no longer `stamp` (nothing
// for none): a fleet task (`fleet_task`) runs again on the file as it is now; at a shell, the hint says to run again
// without --resume (a write inside the file can leave its fingerprint, which reads the ends only, as it was).
void refuse_changed_since(const std::string& path, const std::optional<raster::FileStamp>& stamp, bool fleet_task);

}  // namespace swath::tiling
