// gzip members (RFC 1952) through GDAL's zlib: PMTiles' internal compression for directories and metadata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swath::pmtiles {

// One gzip member holding `data`; the same bytes for the same input (no time stamp, no name).
// Throws IoError when the compressor fails (out of memory).
std::string gzip_compress(std::string_view data);
// The content of a gzip (or zlib) stream, checksum verified; throws DataError naming `what` when it is not one.
std::string gzip_decompress(std::string_view data, const std::string& what);

// CRC-32 (IEEE 802.3, as gzip uses it) of `data`, continuing from `crc`.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

}  // namespace swath::pmtiles
