// A cheap, deterministic identity of a scene file, so `swath tile --resume` notices a scene rewritten in place;
// and the full hash of a file, both read through GDAL's VSI layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

class GDALDataset;

namespace swath::raster {

// "sha256:<hex>" of the file's size and of its first and last `edge_bytes` (the whole file when smaller than
// twice that), read through GDAL's VSI layer, so local and /vsicurl/, /vsis3/, /vsizip/ paths alike cost at
// most two short reads. Content only, no mtime: a byte-identical copy has the same fingerprint, so manifests
// stay byte-identical across copies and re-runs. It catches a rewrite that changes the size, the header, the
// block offset tables or the last blocks (any recompressed GeoTIFF); a same-size change confined to the
// middle of a large file is not caught. A VRT's fingerprint is its XML, not its sources'. nullopt when `path`
// is not a file VSI can read (a subdataset name such as NETCDF:"f.nc":var).
std::optional<std::string> file_fingerprint(const std::string& path, std::size_t edge_bytes = std::size_t{1} << 20);

// A scene's identity for --resume and the fleet's checks: file_fingerprint of `path` when the dataset is that one file;
// else also of its sidecars GDAL reads (`dataset.GetFileList()` entries beside it named after it: .tfw, .aux.xml,
// .ovr, .msk — each by size and its first and last 64 KiB); a subdataset (NETCDF:"f.nc":var, no file) by its name
// and every file GDAL lists for it. A moved .tfw or another variable of one file thus changes it. A VRT's sources
// are not read (a mosaic of thousands on object storage would cost each task thousands of requests): a source
// rewritten behind an unchanged VRT is not seen. nullopt when one of those files cannot be read.
std::optional<std::string> scene_fingerprint(GDALDataset& dataset, const std::string& path);
// Opens `path` for it; nullopt when it cannot be opened.
std::optional<std::string> scene_fingerprint(const std::string& path);

// What the file system says of a local file: its size and modification time. Another stamp later means the file was
// replaced or written meanwhile (or touched). Not its inode: FUSE mounts (sshfs, s3fs) may number a file anew on
// every look. nullopt for a /vsi path or a file that cannot be looked at.
struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
std::optional<FileStamp> file_stamp(const std::string& path);

// Hex SHA-256 of a whole file read through GDAL's VSI layer (so /vsimem/ works too); throws IoError when unreadable.
std::string sha256_file_hex(const std::string& path);

}  // namespace swath::raster
