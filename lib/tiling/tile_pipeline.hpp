// The tile pipeline: serial source (next selected cell) → parallel tile work → serial in-order manifest sink.
#pragma once

#include <vector>

#include "pipeline/progress.hpp"
#include "tiling/manifest.hpp"
#include "tiling/plan.hpp"
#include "tiling/resume.hpp"
#include "tiling/scene_setup.hpp"
#include "tiling/tile.hpp"

namespace swath::tiling {

struct TileRun {
  const std::vector<TileScene>& scenes;
  const TileOptions& options;
  const Selection& selection;
  const PreviousRun* previous;  // --resume, else nullptr
  ManifestWriter& manifest;
  pipeline::ProgressSink* progress;
};

// Runs every selected tile of every scene; counts go into `report`. Returns false when interrupted
// (tiles already renamed into place are complete; the rest were not started or were abandoned whole).
bool run_tile_pipeline(const TileRun& run, TileReport& report);

}  // namespace swath::tiling
