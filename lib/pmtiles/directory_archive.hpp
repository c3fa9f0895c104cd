// A PMTiles archive from a DIR/{z}/{x}/{y}.{ext} tile tree (what `swath tile --grid xyz -o DIR` writes).
#pragma once

#include <string>

#include "pmtiles/archive_writer.hpp"

namespace swath::pmtiles {

// The tile type of a tile file extension ("png", "jpg"/"jpeg", "webp", "avif", "mvt"/"pbf"); unknown otherwise.
TileType tile_type_for_extension(const std::string& extension);

// Archives every DIR/{z}/{x}/{y}.{ext} file (decimal names; hidden files, other files and folders are not tiles)
// into `out`. DIR/tilejson.json, when present, becomes the metadata (without its `tiles` URL templates, which point
// into DIR) and gives the bounds and the center. Throws DataError when DIR holds no tile, tiles of two extensions or
// an unreadable tilejson.json; IoError on a read or write failure.
ArchiveSummary write_archive_from_directory(const std::string& dir, const std::string& out);

}  // namespace swath::pmtiles
