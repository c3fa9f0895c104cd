// Tile templates give exactly GDAL's bytes, take the fast path only where they may, and read TIFFs safely.
#include <doctest/doctest.h>

#include <ogr_spatialref.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "raster/window_reader.hpp"
#include "tiling/encode.hpp"
#include "tiling/tiff/tiff_layout.hpp"
#include "tiling/tiff/tile_templates.hpp"

using namespace swath;

namespace {

std::string utm_wkt() {
  OGRSpatialReference srs;
  srs.importFromEPSG(32633);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string out = wkt;
  CPLFree(wkt);
  return out;
}

tiling::TileLook look_for(std::size_t bands, std::vector<std::string> creation_options) {
  tiling::TileLook look;
  look.format = tiling::Format::gtiff;
  look.creation_options = std::move(creation_options);
  look.crs_wkt = utm_wkt();
  look.scene = {0, 0, 1000, 1000};
  look.metadata = {{"SWATH_PROVENANCE", "{\"software\":\"swath\"}"}};
  if (bands == 3) look.colors = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand};
  look.nodata.assign(bands, std::nullopt);
  return look;
}

// A block of `width`×`height` whose samples vary with `seed`.
raster::PixelBlock block_of(std::int64_t width, std::int64_t height, std::size_t bands, GDALDataType type,
                            raster::Layout layout, unsigned seed) {
  raster::PixelBlock block;
  block.window = {0, 0, width, height};
  for (std::size_t b = 0; b < bands; ++b) block.bands.push_back(static_cast<int>(b + 1));
  block.type = type;
  block.layout = layout;
  block.data.resize(block.band_stride() * bands);
  unsigned state = seed * 2654435761u + 1;
  for (auto& v : block.data) {
    state = state * 1103515245u + 12345u;
    v = static_cast<std::byte>(state >> 16);
  }
  return block;
}

tiling::TilePlace place_of(int row, int column) {
  char id[64];
  std::snprintf(id, sizeof id, "scene/r%06d_c%06d", row, column);
  return {core::GeoTransform{{500000.0 + column * 640.0, 10.0, 0.0, 4000000.0 - row * 480.0, 0.0, -10.0}}, id};
}

}  // namespace

TEST_CASE(
    "tile templates: every tile has GDAL's exact bytes; tiles after the first of a shape come from the template") {
  struct Case {
    GDALDataType type;
    std::size_t bands;
    raster::Layout layout;
    std::vector<std::string> creation_options;
    bool fast;
  };
  const std::vector<Case> cases = {
      {GDT_Byte, 3, raster::Layout::band_sequential, {"INTERLEAVE=BAND"}, true},
      {GDT_Byte, 3, raster::Layout::pixel_interleaved, {"INTERLEAVE=PIXEL"}, true},
      {GDT_UInt16, 1, raster::Layout::band_sequential, {}, true},
      {GDT_Float32, 2, raster::Layout::band_sequential, {"INTERLEAVE=BAND"}, true},
      {GDT_Byte, 3, raster::Layout::band_sequential, {"INTERLEAVE=BAND", "COMPRESS=DEFLATE"}, false},
      {GDT_Byte,
       3,
       raster::Layout::band_sequential,
       {"INTERLEAVE=BAND", "TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"},
       false},
  };
  for (const auto& c : cases) {
    const std::string type = GDALGetDataTypeName(c.type);
    CAPTURE(type);
    CAPTURE(c.creation_options.size());
    const auto look = look_for(c.bands, c.creation_options);
    tiling::tiff::TileTemplates templates;
    int tiles = 0;
    for (int row = 0; row < 3; ++row) {
      for (int column = 0; column < 3; ++column) {
        // Two shapes: full tiles and a narrower last column.
        auto block =
            block_of(column == 2 ? 40 : 64, 48, c.bands, c.type, c.layout, static_cast<unsigned>(row * 3 + column));
        if (row == 1 && column == 1) {  // a blank band (or tile): strips GDAL writes out of order
          const auto blank = c.layout == raster::Layout::band_sequential ? block.band_stride() : block.data.size();
          std::fill(block.data.begin(), block.data.begin() + static_cast<std::ptrdiff_t>(blank), std::byte{0});
        }
        const auto place = place_of(row, column);
        const auto made = templates.encode(block, c.bands, look, place);
        const auto expected = tiling::encode_tile(block, c.bands, look, place);
        CHECK(made.bytes() == expected.bytes());
        ++tiles;
      }
    }
    if (c.fast) {
      // Each of the 9 tiles but the blank-strip one is filled: the first of each shape too (its
      // template comes from probe tiles).
      CHECK(templates.filled() == tiles - 1);
    } else {
      CHECK(templates.filled() == 0);
    }
  }
}

TEST_CASE("tile templates: tiles without georeferencing or id, and other formats, are GDAL's bytes too") {
  auto look = look_for(1, {});
  look.crs_wkt.clear();
  tiling::tiff::TileTemplates templates;
  for (unsigned i = 0; i < 3; ++i) {
    const auto block = block_of(32, 32, 1, GDT_Byte, raster::Layout::band_sequential, i);
    const tiling::TilePlace place{std::nullopt, ""};
    CHECK(templates.encode(block, 1, look, place).bytes() == tiling::encode_tile(block, 1, look, place).bytes());
  }
  CHECK(templates.filled() == 3);

  look.format = tiling::Format::png;
  tiling::tiff::TileTemplates png;
  const auto block = block_of(32, 32, 1, GDT_Byte, raster::Layout::band_sequential, 7);
  CHECK(png.encode(block, 1, look, {}).bytes() == tiling::encode_tile(block, 1, look, {}).bytes());
  CHECK(png.filled() == 0);
}

TEST_CASE("tiff layout: finds the pixels and the corner of an uncompressed GeoTIFF, and survives any truncation") {
  const auto look = look_for(3, {"INTERLEAVE=BAND"});
  const auto block = block_of(24, 20, 3, GDT_Byte, raster::Layout::band_sequential, 3);
  const auto place = place_of(2, 5);
  const auto encoded = tiling::encode_tile(block, 3, look, place);
  const std::string bytes(encoded.bytes());

  const auto layout = tiling::tiff::read_tiff_layout(bytes);
  REQUIRE(layout);
  CHECK(layout->uncompressed);
  CHECK(layout->planar_separate);
  REQUIRE(layout->pixels_at);
  CHECK(layout->pixel_bytes == block.data.size());
  CHECK(std::memcmp(bytes.data() + *layout->pixels_at, block.data.data(), block.data.size()) == 0);
  REQUIRE(layout->origin_x_at);
  double x = 0;
  double y = 0;
  std::memcpy(&x, bytes.data() + *layout->origin_x_at, sizeof x);
  std::memcpy(&y, bytes.data() + *layout->origin_y_at, sizeof y);
  CHECK(x == place.geotransform->c[0]);
  CHECK(y == place.geotransform->c[3]);

  const auto compressed = tiling::encode_tile(block, 3, look_for(3, {"COMPRESS=DEFLATE"}), place);
  const auto deflated = tiling::tiff::read_tiff_layout(compressed.bytes());
  REQUIRE(deflated);
  CHECK_FALSE(deflated->uncompressed);

  CHECK_FALSE(tiling::tiff::read_tiff_layout("MM\0*\0\0\0\x08"));  // big-endian
  CHECK_FALSE(tiling::tiff::read_tiff_layout(""));
  // Every prefix and a directory pointing anywhere: no read out of bounds (ASan checks), and what is
  // reported lies inside the bytes.
  for (std::size_t size = 0; size < bytes.size(); size += 7) {
    const auto cut = tiling::tiff::read_tiff_layout(std::string_view(bytes).substr(0, size));
    if (cut && cut->pixels_at) CHECK(*cut->pixels_at + cut->pixel_bytes <= size);
  }
  std::string bent = bytes;
  for (unsigned shift = 0; shift < 32; ++shift) {
    const std::uint32_t offset = 1u << shift;
    std::memcpy(bent.data() + 4, &offset, 4);
    (void)tiling::tiff::read_tiff_layout(bent);
  }
}

TEST_CASE("tile templates: float strips GDAL counts as empty (NaNs of any bits, -0 beside 0) stay GDAL's bytes") {
  for (const bool nan_nodata : {true, false}) {
    CAPTURE(nan_nodata);
    auto look = look_for(1, {});
    look.nodata = {nan_nodata ? std::optional<double>(std::nan("")) : std::optional<double>(0.0)};
    tiling::tiff::TileTemplates templates;
    for (int row = 0; row < 3; ++row) {
      auto block = block_of(32, 32, 1, GDT_Float32, raster::Layout::band_sequential, static_cast<unsigned>(row + 1));
      if (row == 1) {  // every sample "nodata" by value, but not byte for byte
        for (std::size_t i = 0; i < 32 * 32; ++i) {
          const std::uint32_t bits = nan_nodata ? (i % 2 ? 0x7FC00000u : 0xFFC00001u) : (i % 2 ? 0x80000000u : 0u);
          std::memcpy(block.data.data() + i * 4, &bits, 4);
        }
      }
      const auto place = place_of(row, 0);
      CHECK(templates.encode(block, 1, look, place).bytes() == tiling::encode_tile(block, 1, look, place).bytes());
    }
    CHECK(templates.filled() == 2);  // rows 0 and 2; row 1 went to GDAL
  }
}

TEST_CASE("tile templates: a tile without an id never comes from a template made with one") {
  const auto look = look_for(1, {});
  tiling::tiff::TileTemplates templates;
  const auto block = block_of(32, 32, 1, GDT_Byte, raster::Layout::band_sequential, 9);
  auto place = place_of(0, 0);
  CHECK(templates.encode(block, 1, look, place).bytes() == tiling::encode_tile(block, 1, look, place).bytes());
  place.id.clear();
  CHECK(templates.encode(block, 1, look, place).bytes() == tiling::encode_tile(block, 1, look, place).bytes());
  CHECK(templates.filled() == 1);
}
