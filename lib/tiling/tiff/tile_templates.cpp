// Tile templates: find where a GDAL-encoded tile keeps its pixels, corner and id; check; re-fill.
#include "tiling/tiff/tile_templates.hpp"

#include <cpl_string.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "tiling/tiff/tiff_layout.hpp"

namespace swath::tiling::tiff {

struct TileTemplates::Template {
  std::string bytes;                 // GDAL's encoding of a probe tile of the shape
  TiffLayout layout;                 // of `bytes`: pixels in one run; the corner only when the tiles are georeferenced
  std::size_t element_bytes = 1;     // one sample (band after band) or one pixel's samples
  std::size_t component_bytes = 1;   // one number of a sample (half a complex one)
  bool floating = false;             // components are IEEE floats
  std::optional<std::size_t> id_at;  // the XML-escaped SWATH_TILE value, when the tiles have one
  std::size_t id_length = 0;
};

namespace {

std::string xml_escaped(const std::string& text) {
  char* escaped = CPLEscapeString(text.c_str(), -1, CPLES_XML_BUT_QUOTES);
  std::string out = escaped;
  CPLFree(escaped);
  return out;
}

// The written bands of `block`, as the file stores them when they are one run of bytes.
std::optional<std::string_view> written_pixels(const raster::PixelBlock& block, std::size_t band_count,
                                               bool planar_separate) {
  const char* data = reinterpret_cast<const char*>(block.data.data());
  if (block.layout == raster::Layout::band_sequential && (band_count == 1 || planar_separate)) {
    return std::string_view(data, band_count * block.band_stride());
  }
  if (block.layout == raster::Layout::pixel_interleaved && block.bands.size() == band_count && !planar_separate) {
    return std::string_view(data, block.data.size());
  }
  return std::nullopt;
}

bool holds_double(std::string_view bytes, std::size_t at, double value) {
  return at + sizeof value <= bytes.size() && std::memcmp(bytes.data() + at, &value, sizeof value) == 0;
}

// Where `encoded` (GDAL's encoding of `block` at `place`) keeps what differs between tiles; nullopt if anywhere
// unknown.
std::optional<TileTemplates::Template> locate(std::string_view encoded, const raster::PixelBlock& block,
                                              std::size_t band_count, const TilePlace& place) {
  if constexpr (std::endian::native != std::endian::little)
    return std::nullopt;  // doubles are patched as the file stores them
  const auto layout = read_tiff_layout(encoded);
  if (!layout || !layout->uncompressed || !layout->pixels_at) return std::nullopt;
  const auto pixels = written_pixels(block, band_count, layout->planar_separate);
  if (!pixels || layout->pixel_bytes != pixels->size() ||
      encoded.substr(*layout->pixels_at, pixels->size()) != *pixels) {
    return std::nullopt;
  }
  TileTemplates::Template out;
  out.bytes = std::string(encoded);
  out.layout = *layout;
  out.element_bytes = block.pixel_space();
  out.component_bytes = GDALDataTypeIsComplex(block.type) ? block.sample_bytes() / 2 : block.sample_bytes();
  out.floating = GDALDataTypeIsFloating(block.type) != 0;
  if (place.geotransform) {
    const auto& c = place.geotransform->c;
    if (!layout->origin_x_at || !holds_double(encoded, *layout->origin_x_at, c[0]) ||
        !holds_double(encoded, *layout->origin_y_at, c[3])) {
      return std::nullopt;
    }
  } else {
    out.layout.origin_x_at.reset();  // nothing to put in
    out.layout.origin_y_at.reset();
  }
  if (!place.id.empty()) {
    const std::string needle = ">" + xml_escaped(place.id) + "<";
    const auto at = encoded.find(needle);
    if (at == std::string_view::npos || encoded.find(needle, at + 1) != std::string_view::npos) return std::nullopt;
    out.id_at = at + 1;
    out.id_length = needle.size() - 2;
  }
  return out;
}

// A tile with `pixels` (its written bands, see written_pixels) at `place` made from `t`; nullopt when it does
// not fit (an id of another length, say).
std::optional<EncodedTile> fill(const TileTemplates::Template& t, std::string_view pixels, const TilePlace& place) {
  const auto& at = t.layout;
  if (pixels.size() != at.pixel_bytes) return std::nullopt;
  if (at.origin_x_at.has_value() != place.geotransform.has_value()) return std::nullopt;
  if (t.id_at.has_value() == place.id.empty()) return std::nullopt;
  const std::string id = t.id_at ? xml_escaped(place.id) : std::string();
  if (id.size() != t.id_length) return std::nullopt;

  auto [data, keeper] = tile_memory(t.bytes.size());
  const std::size_t pixels_end = *at.pixels_at + at.pixel_bytes;
  std::memcpy(data, t.bytes.data(), *at.pixels_at);
  std::memcpy(data + *at.pixels_at, pixels.data(), at.pixel_bytes);
  std::memcpy(data + pixels_end, t.bytes.data() + pixels_end, t.bytes.size() - pixels_end);
  if (place.geotransform) {
    std::memcpy(data + *at.origin_x_at, &place.geotransform->c[0], sizeof(double));
    std::memcpy(data + *at.origin_y_at, &place.geotransform->c[3], sizeof(double));
  }
  if (t.id_at) std::memcpy(data + *t.id_at, id.data(), id.size());
  return EncodedTile(std::string_view(reinterpret_cast<const char*>(data), t.bytes.size()), std::move(keeper));
}

// Whether two components count as one value to GDAL's empty-strip test: floats by value (every NaN alike,
// -0 and 0 alike), anything else by its bytes.
template <class Float>
bool same_float(const char* a, const char* b) {
  Float x, y;
  std::memcpy(&x, a, sizeof x);
  std::memcpy(&y, b, sizeof y);
  return x == y || (std::isnan(x) && std::isnan(y));
}

bool same_component(const char* a, const char* b, const TileTemplates::Template& t) {
  if (t.floating && t.component_bytes == sizeof(float)) return same_float<float>(a, b);
  if (t.floating && t.component_bytes == sizeof(double)) return same_float<double>(a, b);
  return std::memcmp(a, b, t.component_bytes) == 0;
}

// GDAL does not write a strip whose pixels all equal the nodata value (0 without one) where it belongs: it
// fills such strips in at the end, so the file's layout depends on the pixels. A tile with a strip of one
// repeated value (a superset of those) is left to GDAL.
bool has_uniform_piece(const TileTemplates::Template& t, std::string_view pixels) {
  const std::size_t e = t.element_bytes;
  std::size_t at = 0;
  for (const std::size_t piece : t.layout.piece_bytes) {
    const char* first = pixels.data() + at;
    bool uniform = true;
    if (!t.floating) {
      // Every element equals the one before it: the piece equals itself shifted by one element.
      uniform = piece <= e || std::memcmp(first, first + e, piece - e) == 0;
    } else {
      for (std::size_t i = e; uniform && i + e <= piece; i += e) {
        for (std::size_t j = 0; uniform && j < e; j += t.component_bytes)
          uniform = same_component(first + j, first + i + j, t);
      }
    }
    if (uniform) return true;
    at += piece;
  }
  return false;
}

// A copy of `block` whose written bytes follow a pattern no strip of any sample size repeats.
raster::PixelBlock probe_block(const raster::PixelBlock& block, unsigned multiplier, unsigned offset) {
  raster::PixelBlock probe = block;
  for (std::size_t i = 0; i < probe.data.size(); ++i)
    probe.data[i] = static_cast<std::byte>((i * multiplier + offset) % 251);
  return probe;
}

// A tile unlike `place` in every patched field, with ids of the same length.
TilePlace other_place(const TilePlace& place) {
  TilePlace other = place;
  if (other.geotransform) {
    other.geotransform->c[0] += 1021.5;
    other.geotransform->c[3] -= 517.25;
  }
  for (char& c : other.id) {
    if (c >= '0' && c <= '9') c = static_cast<char>('0' + (c - '0' + 1) % 10);
  }
  return other;
}

// The template for tiles shaped like `block`: where GDAL's encoding of a patterned tile at `place` keeps
// its pixels, corner and id, used only if re-filling it with other pixels at another place gives byte for
// byte what GDAL writes for those. Null when anything differs or GDAL refuses a probe.
std::shared_ptr<const TileTemplates::Template> make_template(const raster::PixelBlock& block, std::size_t band_count,
                                                             const TileLook& look, const TilePlace& place) {
  try {
    const auto first = probe_block(block, 131, 7);
    auto t = locate(encode_tile(first, band_count, look, place).bytes(), first, band_count, place);
    if (!t) return nullptr;
    const auto second = probe_block(block, 137, 11);
    const TilePlace elsewhere = other_place(place);
    const auto pixels = written_pixels(second, band_count, t->layout.planar_separate);
    const auto filled = pixels ? fill(*t, *pixels, elsewhere) : std::nullopt;
    if (!filled || filled->bytes() != encode_tile(second, band_count, look, elsewhere).bytes()) return nullptr;
    return std::make_shared<const TileTemplates::Template>(std::move(*t));
  } catch (const core::DataError&) {
    return nullptr;
  }
}

}  // namespace

EncodedTile TileTemplates::encode(const raster::PixelBlock& block, std::size_t band_count, const TileLook& look,
                                  const TilePlace& place) {
  if (look.format != Format::gtiff) return encode_tile(block, band_count, look, place);
  const Shape shape{block.window.width, block.window.height, declares_padding_nodata(look, block.window)};
  // Made once per shape (two probe encodings) by the first thread to need it. Another thread needing it meanwhile
  // encodes through GDAL (the bytes a template gives) rather than idle its core for those encodings.
  std::shared_future<std::shared_ptr<const Template>> made;
  std::optional<std::promise<std::shared_ptr<const Template>>> making;
  {
    const std::lock_guard lock(mutex_);
    auto found = templates_.find(shape);
    if (found == templates_.end()) {
      making.emplace();
      found = templates_.emplace(shape, making->get_future().share()).first;
    }
    made = found->second;
  }
  if (making) {
    try {
      making->set_value(make_template(block, band_count, look, place));
    } catch (...) {
      making->set_exception(std::current_exception());
      throw;
    }
  } else if (made.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return encode_tile(block, band_count, look, place);
  }
  if (const auto known = made.get()) {
    const auto pixels = written_pixels(block, band_count, known->layout.planar_separate);
    if (pixels && pixels->size() == known->layout.pixel_bytes && !has_uniform_piece(*known, *pixels)) {
      if (auto filled = fill(*known, *pixels, place)) {
        ++filled_;
        return std::move(*filled);
      }
    }
  }
  return encode_tile(block, band_count, look, place);
}

}  // namespace swath::tiling::tiff
