// What detect checks of its inputs and outputs before and while it opens them: paths it may write, tiles it can
// place on the map, tiles unchanged since tiling, and temporaries a killed run left.
#pragma once

#include <gdal_priv.h>

#include <string>

#include "detect/inputs.hpp"
#include "detect/run.hpp"

namespace swath::detect {

// Before any work: -o and --quicklook are files in directories one may write into, not directories, not inputs, not
// each other, a quicklook is .png, and a GeoPackage -o holds only swath's detections. Throws UsageError.
void check_output_paths(const DetectOptions& options);

// The SHA-256 of a file's bytes; "" when it cannot be read (opening it then says why).
std::string file_sha256(const std::string& path);

// Throws UsageError when a manifest's tile cannot place its detections itself (no georeferencing, rotated).
void refuse_unplaced_tile(GDALDataset& dataset, const InputScene& input);

// Removes temporaries of this output (and its FlatGeobuf sidecar) that a killed earlier run left beside it.
void remove_stale_temporaries_of(const std::string& path);

}  // namespace swath::detect
