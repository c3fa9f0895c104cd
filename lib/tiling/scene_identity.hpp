// Whether a scene an earlier manifest lists is the scene this run names (tiling::OtherRuns): same file, and no cells
// or tiles of it this run would leave behind.
#pragma once

#include <string>

#include "tiling/manifest_reader.hpp"

namespace swath::tiling {

// A scene `theirs` lists under the name of one of `ours` that is not that scene: one whose cells (chips) or tiles
// (a pyramid: other size or place) this run does not all write again — a scene rewritten smaller, cropped, moved —
// or another file with other content (another scene flattened to the same name). "" when none; else what tells them
// apart ("scene 's' of 'a.tif' (64×48 px), not this run's 'b.tif' (64×48 px, other content)"). The same file (by any
// spelling of its path) rewritten in place, or the same content under another path, is the same scene.
std::string changed_scene(const ManifestHeader& theirs, const ManifestHeader& ours);

}  // namespace swath::tiling
