// PMTiles v3 header and directory encoding, and the root/leaf directory split.
#include "pmtiles/format.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "pmtiles/gzip.hpp"

namespace swath::pmtiles {

namespace {

template <typename T>
void put_le(std::string& out, std::size_t at, T value) {
  const auto v = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < sizeof(T); ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

template <typename T>
T get_le(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= std::uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
  return static_cast<T>(v);
}

std::int32_t get_i32(std::string_view in, std::size_t at) {
  const auto u = get_le<std::uint32_t>(in, at);
  return u >= 0x80000000u ? static_cast<std::int32_t>(static_cast<std::int64_t>(u) - 0x100000000LL)
                          : static_cast<std::int32_t>(u);
}

// Reads varints from a directory, naming the directory in errors.
class VarintReader {
 public:
  VarintReader(std::string_view bytes, const std::string& what) : bytes_(bytes), what_(what) {}
  std::uint64_t next() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) throw core::DataError(what_, "directory ends inside a number");
      const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
      value |= std::uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80u) == 0) return value;
    }
    throw core::DataError(what_, "a directory number is longer than 64 bits");
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  const std::string& what_;
  std::size_t pos_ = 0;
};

std::uint32_t narrow32(std::uint64_t v, const std::string& what) {
  if (v > UINT32_MAX) throw core::DataError(what, "a directory length or run length exceeds 32 bits");
  return static_cast<std::uint32_t>(v);
}

}  // namespace

std::string serialize_header(const Header& h) {
  std::string out(header_bytes, '\0');
  out.replace(0, 7, "PMTiles");
  out[7] = 3;
  put_le(out, 8, h.root_offset);
  put_le(out, 16, h.root_length);
  put_le(out, 24, h.metadata_offset);
  put_le(out, 32, h.metadata_length);
  put_le(out, 40, h.leaf_offset);
  put_le(out, 48, h.leaf_length);
  put_le(out, 56, h.tile_data_offset);
  put_le(out, 64, h.tile_data_length);
  put_le(out, 72, h.addressed_tiles);
  put_le(out, 80, h.tile_entries);
  put_le(out, 88, h.tile_contents);
  out[96] = h.clustered ? 1 : 0;
  out[97] = static_cast<char>(h.internal_compression);
  out[98] = static_cast<char>(h.tile_compression);
  out[99] = static_cast<char>(h.tile_type);
  out[100] = static_cast<char>(h.min_zoom);
  out[101] = static_cast<char>(h.max_zoom);
  put_le(out, 102, static_cast<std::uint32_t>(h.min_lon_e7));
  put_le(out, 106, static_cast<std::uint32_t>(h.min_lat_e7));
  put_le(out, 110, static_cast<std::uint32_t>(h.max_lon_e7));
  put_le(out, 114, static_cast<std::uint32_t>(h.max_lat_e7));
  out[118] = static_cast<char>(h.center_zoom);
  put_le(out, 119, static_cast<std::uint32_t>(h.center_lon_e7));
  put_le(out, 123, static_cast<std::uint32_t>(h.center_lat_e7));
  return out;
}

Header parse_header(std::string_view in, const std::string& what) {
  if (in.size() < header_bytes) throw core::DataError(what, "shorter than the 127-byte PMTiles header");
  if (in.substr(0, 7) != "PMTiles") throw core::DataError(what, "not a PMTiles archive (no 'PMTiles' magic)");
  if (in[7] != 3) {
    throw core::DataError(what, "PMTiles version " + std::to_string(static_cast<int>(in[7])) + ", not 3");
  }
  Header h;
  h.root_offset = get_le<std::uint64_t>(in, 8);
  h.root_length = get_le<std::uint64_t>(in, 16);
  h.metadata_offset = get_le<std::uint64_t>(in, 24);
  h.metadata_length = get_le<std::uint64_t>(in, 32);
  h.leaf_offset = get_le<std::uint64_t>(in, 40);
  h.leaf_length = get_le<std::uint64_t>(in, 48);
  h.tile_data_offset = get_le<std::uint64_t>(in, 56);
  h.tile_data_length = get_le<std::uint64_t>(in, 64);
  h.addressed_tiles = get_le<std::uint64_t>(in, 72);
  h.tile_entries = get_le<std::uint64_t>(in, 80);
  h.tile_contents = get_le<std::uint64_t>(in, 88);
  h.clustered = in[96] == 1;
  h.internal_compression = static_cast<Compression>(in[97]);
  h.tile_compression = static_cast<Compression>(in[98]);
  h.tile_type = static_cast<TileType>(in[99]);
  h.min_zoom = static_cast<std::uint8_t>(in[100]);
  h.max_zoom = static_cast<std::uint8_t>(in[101]);
  h.min_lon_e7 = get_i32(in, 102);
  h.min_lat_e7 = get_i32(in, 106);
  h.max_lon_e7 = get_i32(in, 110);
  h.max_lat_e7 = get_i32(in, 114);
  h.center_zoom = static_cast<std::uint8_t>(in[118]);
  h.center_lon_e7 = get_i32(in, 119);
  h.center_lat_e7 = get_i32(in, 123);
  return h;
}

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::string serialize_directory(const std::vector<Entry>& entries) {
  std::string out;
  out.reserve(entries.size() * 6 + 8);
  append_varint(out, entries.size());
  std::uint64_t last_id = 0;
  for (const Entry& e : entries) {
    append_varint(out, e.tile_id - last_id);
    last_id = e.tile_id;
  }
  for (const Entry& e : entries) append_varint(out, e.run_length);
  for (const Entry& e : entries) append_varint(out, e.length);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const bool follows = i > 0 && entries[i].offset == entries[i - 1].offset + entries[i - 1].length;
    append_varint(out, follows ? 0 : entries[i].offset + 1);
  }
  return out;
}

std::vector<Entry> parse_directory(std::string_view bytes, const std::string& what) {
  VarintReader in(bytes, what);
  const std::uint64_t count = in.next();
  // Each entry takes at least four bytes: a larger count is a corrupt directory, not a reason to allocate.
  if (count == 0 || count > bytes.size() / 4) {
    throw core::DataError(
        what, "directory claims " + std::to_string(count) + " entries in " + std::to_string(bytes.size()) + " bytes");
  }
  std::vector<Entry> entries(static_cast<std::size_t>(count));
  std::uint64_t last_id = 0;
  for (Entry& e : entries) last_id = e.tile_id = last_id + in.next();
  for (Entry& e : entries) e.run_length = narrow32(in.next(), what);
  for (Entry& e : entries) e.length = narrow32(in.next(), what);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::uint64_t v = in.next();
    if (v == 0 && i == 0) throw core::DataError(what, "the first directory entry has no offset");
    entries[i].offset = v == 0 ? entries[i - 1].offset + entries[i - 1].length : v - 1;
  }
  if (!in.done()) throw core::DataError(what, "bytes after the directory's last entry");
  return entries;
}

Directories build_directories(const std::vector<Entry>& entries, std::size_t root_budget) {
  Directories out;
  out.root = gzip_compress(serialize_directory(entries));
  if (out.root.size() <= root_budget) return out;
  double leaf_size = std::max(4096.0, static_cast<double>(entries.size()) / 3500.0);
  while (true) {
    const auto step = static_cast<std::size_t>(leaf_size);
    std::vector<Entry> root;
    out.leaves.clear();
    for (std::size_t at = 0; at < entries.size(); at += step) {
      const std::size_t end = std::min(entries.size(), at + step);
      const std::string leaf = gzip_compress(serialize_directory(
          {entries.begin() + static_cast<std::ptrdiff_t>(at), entries.begin() + static_cast<std::ptrdiff_t>(end)}));
      root.push_back({entries[at].tile_id, out.leaves.size(), static_cast<std::uint32_t>(leaf.size()), 0});
      out.leaves += leaf;
    }
    out.root = gzip_compress(serialize_directory(root));
    out.leaf_count = root.size();
    if (out.root.size() <= root_budget) return out;
    leaf_size *= 1.2;
  }
}

}  // namespace swath::pmtiles
