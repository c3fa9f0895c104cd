// -o OUT.pmtiles: what a pyramid's PMTiles archive says besides its tiles, and where its temporaries live.
#pragma once

#include <string>

#include "core/json.hpp"
#include "pmtiles/archive_writer.hpp"
#include "webmap/block.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

// The header's tile type, bounds and center, and the metadata: the TileJSON a directory gets (without `tiles`, whose
// URLs would point into a directory) plus "swath": the manifest header (schema, provenance, options, zooms,
// scenes), so an archive carries its provenance without a file beside it. No time or host: the same bytes each run.
pmtiles::ArchiveInfo archive_info(const PyramidOptions& options, const PyramidLayout& layout, const core::Json& header,
                                  int minzoom);

// Creates the archive's folder and removes the spool a killed run left beside it (that archive's only). Throws IoError.
void prepare_archive_folder(const std::string& archive);

}  // namespace swath::webmap
