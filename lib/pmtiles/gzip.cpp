// gzip framing around GDAL's zlib deflate: CPLZLibDeflate writes a zlib stream (RFC 1950: 2-byte header, raw deflate,
// Adler-32), PMTiles readers want gzip (RFC 1951 inside RFC 1952), so the raw deflate is re-framed here.
#include "pmtiles/gzip.hpp"

#include <cpl_conv.h>
#include <cpl_vsi.h>

#include <array>
#include <memory>

#include "core/errors.hpp"

namespace swath::pmtiles {

namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

constexpr auto crc_table = make_crc_table();

void append_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

struct VsiFree {
  void operator()(void* p) const { VSIFree(p); }
};

}  // namespace

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  crc = ~crc;
  for (const char ch : data) crc = crc_table[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string gzip_compress(std::string_view data) {
  // Deflate's worst case is a few bytes per 16 KB block over the input; this bound leaves room to spare.
  std::string zlib(data.size() + data.size() / 1000 + 64, '\0');
  std::size_t written = 0;
  if (CPLZLibDeflate(data.data(), data.size(), 6, zlib.data(), zlib.size(), &written) == nullptr || written < 6) {
    throw core::IoError("gzip compression of " + std::to_string(data.size()) + " bytes", "the compressor failed",
                        "check free memory");
  }
  // Header: magic, deflate, no flags, no time stamp, no extra flags, "unknown" OS: the same bytes on every machine.
  std::string out = {'\x1f', '\x8b', '\x08', '\0', '\0', '\0', '\0', '\0', '\0', '\xff'};
  out.append(zlib, 2, written - 6);  // the raw deflate between zlib's header and its Adler-32
  append_le32(out, crc32(data));
  append_le32(out, static_cast<std::uint32_t>(data.size() & 0xFFFFFFFFu));
  return out;
}

std::string gzip_decompress(std::string_view data, const std::string& what) {
  // CPLZLibInflate detects gzip or zlib and checks the stream's checksum; with no buffer it allocates one.
  std::size_t size = 0;
  std::unique_ptr<void, VsiFree> out(CPLZLibInflate(data.data(), data.size(), nullptr, 0, &size));
  if (out == nullptr) throw core::DataError(what, "not a valid gzip stream");
  return std::string(static_cast<const char*>(out.get()), size);
}

}  // namespace swath::pmtiles
