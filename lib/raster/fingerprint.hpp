// A cheap, deterministic identity of a scene file, so `swath tile --resume` notices a scene rewritten in place;
// and the full hash of a file, both read through GDAL's VSI layer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace swath::raster {

// "sha256:<hex>" of the file's size and of its first and last `edge_bytes` (the whole file when smaller than
// twice that), read through GDAL's VSI layer, so local and /vsicurl/, /vsis3/, /vsizip/ paths alike cost at
// most two short reads. Content only, no mtime: a byte-identical copy has the same fingerprint, so manifests
// stay byte-identical across copies and re-runs. It catches a rewrite that changes the size, the header, the
// block offset tables or the last blocks (any recompressed GeoTIFF); a same-size change confined to the
// middle of a large file is not caught. A VRT's fingerprint is its XML, not its sources'. nullopt when `path`
// is not a file VSI can read (a subdataset name such as NETCDF:"f.nc":var).
std::optional<std::string> file_fingerprint(const std::string& path, std::size_t edge_bytes = std::size_t{1} << 20);

// Hex SHA-256 of a whole file read through GDAL's VSI layer (so /vsimem/ works too); throws IoError when unreadable.
std::string sha256_file_hex(const std::string& path);

}  // namespace swath::raster
