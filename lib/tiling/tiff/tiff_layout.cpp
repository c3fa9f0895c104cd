// Reads the first directory of a classic little-endian TIFF: only the tags a tile template needs.
#include "tiling/tiff/tiff_layout.hpp"

#include <cstring>

namespace swath::tiling::tiff {

namespace {

constexpr std::uint16_t tag_compression = 259;
constexpr std::uint16_t tag_strip_offsets = 273;
constexpr std::uint16_t tag_strip_byte_counts = 279;
constexpr std::uint16_t tag_planar_configuration = 284;
constexpr std::uint16_t tag_tile_offsets = 324;
constexpr std::uint16_t tag_tile_byte_counts = 325;
constexpr std::uint16_t tag_model_tiepoint = 33922;
constexpr std::uint16_t tag_model_transformation = 34264;

constexpr std::uint16_t type_short = 3;
constexpr std::uint16_t type_long = 4;
constexpr std::uint16_t type_double = 12;

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool has(std::size_t at, std::size_t size) const { return at <= bytes_.size() && size <= bytes_.size() - at; }
  std::uint64_t unsigned_at(std::size_t at, std::size_t size) const {  // little-endian
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i)
      value |= std::uint64_t{static_cast<unsigned char>(bytes_[at + i])} << (8 * i);
    return value;
  }

 private:
  std::string_view bytes_;
};

struct Entry {
  std::uint16_t type = 0;
  std::uint32_t count = 0;
  std::size_t values_at = 0;  // inline in the entry when they fit in 4 bytes, else at the offset it holds
};

std::size_t type_size(std::uint16_t type) {
  switch (type) {
    case type_short:
      return 2;
    case type_long:
      return 4;
    case type_double:
      return 8;
    default:
      return 0;
  }
}

std::optional<std::vector<std::uint64_t>> integers(const Reader& in, const std::optional<Entry>& entry) {
  if (!entry || (entry->type != type_short && entry->type != type_long)) return std::nullopt;
  const std::size_t size = type_size(entry->type);
  if (!in.has(entry->values_at, size * entry->count)) return std::nullopt;
  std::vector<std::uint64_t> values(entry->count);
  for (std::size_t i = 0; i < entry->count; ++i) values[i] = in.unsigned_at(entry->values_at + i * size, size);
  return values;
}

// The one run of bytes `offsets`/`counts` describe, if each piece starts where the previous one ends.
bool contiguous_run(const std::vector<std::uint64_t>& offsets, const std::vector<std::uint64_t>& counts,
                    TiffLayout& out) {
  if (offsets.empty() || offsets.size() != counts.size()) return false;
  std::uint64_t end = offsets[0];
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i] != end) return false;
    end += counts[i];
    out.piece_bytes.push_back(static_cast<std::size_t>(counts[i]));
  }
  out.pixels_at = static_cast<std::size_t>(offsets[0]);
  out.pixel_bytes = static_cast<std::size_t>(end - offsets[0]);
  return true;
}

}  // namespace

std::optional<TiffLayout> read_tiff_layout(std::string_view bytes) {
  const Reader in(bytes);
  if (!in.has(0, 8) || bytes.substr(0, 4) != std::string_view("II*\0", 4)) return std::nullopt;
  const std::size_t directory = in.unsigned_at(4, 4);
  if (!in.has(directory, 2)) return std::nullopt;
  const std::size_t entries = in.unsigned_at(directory, 2);
  if (!in.has(directory + 2, entries * 12)) return std::nullopt;

  std::optional<Entry> compression, strip_offsets, strip_counts, tile_offsets, tile_counts, planar, tiepoint,
      transformation;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t at = directory + 2 + i * 12;
    Entry entry{static_cast<std::uint16_t>(in.unsigned_at(at + 2, 2)),
                static_cast<std::uint32_t>(in.unsigned_at(at + 4, 4)), at + 8};
    if (type_size(entry.type) * entry.count > 4) entry.values_at = in.unsigned_at(at + 8, 4);
    switch (in.unsigned_at(at, 2)) {
      case tag_compression:
        compression = entry;
        break;
      case tag_strip_offsets:
        strip_offsets = entry;
        break;
      case tag_strip_byte_counts:
        strip_counts = entry;
        break;
      case tag_tile_offsets:
        tile_offsets = entry;
        break;
      case tag_tile_byte_counts:
        tile_counts = entry;
        break;
      case tag_planar_configuration:
        planar = entry;
        break;
      case tag_model_tiepoint:
        tiepoint = entry;
        break;
      case tag_model_transformation:
        transformation = entry;
        break;
      default:
        break;
    }
  }

  TiffLayout layout;
  const auto compression_value = integers(in, compression);
  layout.uncompressed =
      !compression || (compression_value && compression_value->size() == 1 && (*compression_value)[0] == 1);
  const auto planar_value = integers(in, planar);
  layout.planar_separate = planar_value && planar_value->size() == 1 && (*planar_value)[0] == 2;
  const auto offsets = integers(in, tile_offsets ? tile_offsets : strip_offsets);
  const auto counts = integers(in, tile_offsets ? tile_counts : strip_counts);
  if (offsets && counts && contiguous_run(*offsets, *counts, layout) &&
      !in.has(*layout.pixels_at, layout.pixel_bytes)) {
    return std::nullopt;
  }
  // GeoTIFF: a tiepoint (I, J, K, X, Y, Z) puts raster (I, J) at (X, Y); a transformation is a row-major 4×4.
  if (tiepoint && tiepoint->type == type_double && tiepoint->count == 6 && in.has(tiepoint->values_at, 48)) {
    layout.origin_x_at = tiepoint->values_at + 3 * 8;
    layout.origin_y_at = tiepoint->values_at + 4 * 8;
  } else if (transformation && transformation->type == type_double && transformation->count == 16 &&
             in.has(transformation->values_at, 128)) {
    layout.origin_x_at = transformation->values_at + 3 * 8;
    layout.origin_y_at = transformation->values_at + 7 * 8;
  }
  return layout;
}

}  // namespace swath::tiling::tiff
