// A scene the run would write over or remove: one lying in a directory the run writes its tiles into, or, under
// --overwrite, among the tiles of other runs it removes.
#pragma once

#include <string>
#include <vector>

namespace swath::tiling {

// Throws UsageError naming the scene when it lies below `output_dir` in a directory the run writes (chips: a
// scene's OUT/<name>/, `tile_dirs`; a pyramid: OUT/<zoom>/), or anywhere below a subdirectory of it with
// `overwrite`. A scene in the output directory itself is no tile: left alone. /vsi paths are not looked at.
void refuse_scenes_in_output(const std::vector<std::string>& scenes, const std::string& output_dir,
                             const std::vector<std::string>& tile_dirs, bool pyramid, bool overwrite);

}  // namespace swath::tiling
