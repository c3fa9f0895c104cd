// Raw block reads of GeoTIFFs in /vsimem/ against GDAL's own reads: same samples, and GDAL wherever it decodes
// otherwise.
#include "raster/raw_tiff_blocks.hpp"

#include <doctest/doctest.h>

#include <cpl_string.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "raster/scene.hpp"

using namespace swath;

namespace {

// A Byte GeoTIFF of `bands` bands, noisy enough that a predictor or a shuffled band changes every sample.
std::string make_tiff(const std::string& path, int width, int height, int bands,
                      const std::vector<std::string>& options, GDALDataType type = GDT_Byte) {
  CPLStringList list;
  for (const auto& option : options) list.AddString(option.c_str());
  GDALDatasetUniquePtr ds(
      GetGDALDriverManager()->GetDriverByName("GTiff")->Create(path.c_str(), width, height, bands, type, list.List()));
  REQUIRE(ds);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (int b = 1; b <= bands; ++b) {
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      const auto h = static_cast<unsigned>(i) * 2654435761u ^ static_cast<unsigned>(b) * 40503u;
      pixels[i] = static_cast<unsigned char>((h >> 13) % 200 + i % 7);
    }
    REQUIRE(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, width, height, pixels.data(), width, height, GDT_Byte, 0,
                                           0) == CE_None);
  }
  return path;
}

// `window` read by GDAL into a block laid out as `like`.
raster::PixelBlock gdal_read(GDALDataset& ds, const core::Window& inside, const raster::PixelBlock& like) {
  raster::PixelBlock block = like;
  std::vector<int> bands = block.bands;
  std::byte* origin = block.sample_at(0, inside.y - block.window.y) +
                      static_cast<std::size_t>(inside.x - block.window.x) * block.pixel_space();
  REQUIRE(ds.RasterIO(GF_Read, static_cast<int>(inside.x), static_cast<int>(inside.y), static_cast<int>(inside.width),
                      static_cast<int>(inside.height), origin, static_cast<int>(inside.width),
                      static_cast<int>(inside.height), GDT_Byte, static_cast<int>(bands.size()), bands.data(),
                      static_cast<GSpacing>(block.pixel_space()), static_cast<GSpacing>(block.line_space()),
                      static_cast<GSpacing>(block.band_space()), nullptr) == CE_None);
  return block;
}

raster::PixelBlock empty_block(const core::Window& window, std::vector<int> bands, raster::Layout layout) {
  return raster::padded_block(window, {0, 0, 1 << 20, 1 << 20}, bands, GDT_Byte, {}, layout);
}

}  // namespace

TEST_CASE("raster: whole blocks read raw hold GDAL's samples, tiled or striped, DEFLATE or not, any band choice") {
  const std::vector<std::vector<std::string>> layouts = {
      {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"},
      {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=16"},
      {"BLOCKYSIZE=8", "COMPRESS=DEFLATE"},  // strips: the last one holds 6 rows
      {"BLOCKYSIZE=8"},
  };
  struct Read {
    core::Window window;  // the block's; `inside` is its part in the 100×70 scene
    std::vector<int> bands;
    raster::Layout layout;
  };
  const std::vector<Read> reads = {
      {{0, 0, 64, 32}, {1, 2, 3}, raster::Layout::pixel_interleaved},
      {{64, 48, 64, 32}, {1, 2, 3}, raster::Layout::pixel_interleaved},  // past the right and bottom edges
      {{0, 16, 100, 32}, {3, 1}, raster::Layout::band_sequential},
      {{64, 48, 64, 32}, {2}, raster::Layout::band_sequential},
      {{32, 0, 32, 70}, {1, 2, 3}, raster::Layout::band_sequential},
  };
  const core::Window scene{0, 0, 100, 70};
  for (const auto& options : layouts) {
    CAPTURE(options.size());
    const auto path = make_tiff("/vsimem/raw.tif", 100, 70, 3, options);
    auto ds = raster::open_scene(path);
    auto raw = raster::RawTiffBlocks::open(*ds, path);
    REQUIRE(raw != nullptr);
    for (const auto& read : reads) {
      const core::Window inside = read.window.intersect(scene);
      auto block = empty_block(read.window, read.bands, read.layout);
      const auto expected = gdal_read(*ds, inside, block);
      const bool striped = options.front() == "BLOCKYSIZE=8";
      if (striped && inside.x != 0) {  // a strip is the scene's width: windows not starting at 0 are not whole
        CHECK_FALSE(raw->takes(inside, block));
        continue;
      }
      if (striped && inside.width != 100) continue;
      CAPTURE(read.window.x);
      REQUIRE(raw->takes(inside, block));
      REQUIRE(raw->read(inside, block));
      CHECK(block.data == expected.data);
    }
    // Windows cutting blocks, and shuffled pixel-interleaved bands, stay with GDAL.
    CHECK_FALSE(raw->takes({5, 0, 32, 16}, empty_block({5, 0, 32, 16}, {1, 2, 3}, raster::Layout::pixel_interleaved)));
    CHECK_FALSE(raw->takes({0, 0, 32, 16}, empty_block({0, 0, 32, 16}, {2, 1, 3}, raster::Layout::pixel_interleaved)));
    CHECK_FALSE(raw->takes({0, 0, 32, 16}, empty_block({0, 0, 32, 16}, {1, 1}, raster::Layout::band_sequential)));
    ds.reset();
    raw.reset();
    VSIUnlink(path.c_str());
  }
}

TEST_CASE("raster: a GeoTIFF GDAL decodes in any other way is left to GDAL") {
  const std::vector<std::vector<std::string>> others = {
      {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"},
      {"TILED=YES", "COMPRESS=LZW"},
      {"TILED=YES", "INTERLEAVE=BAND"},
      {"TILED=YES", "NBITS=4"},
      {"TILED=YES", "PIXELTYPE=SIGNEDBYTE"},
  };
  for (const auto& options : others) {
    CAPTURE(options.back());
    const auto path = make_tiff("/vsimem/other.tif", 40, 40, 3, options);
    auto ds = raster::open_scene(path);
    CHECK(raster::RawTiffBlocks::open(*ds, path) == nullptr);
    ds.reset();
    VSIUnlink(path.c_str());
  }
  const auto wide = make_tiff("/vsimem/uint16.tif", 40, 40, 1, {"TILED=YES"}, GDT_UInt16);
  CHECK(raster::RawTiffBlocks::open(*raster::open_scene(wide), wide) == nullptr);
  VSIUnlink(wide.c_str());
  const auto single = make_tiff("/vsimem/single.tif", 40, 40, 1, {"TILED=YES", "INTERLEAVE=BAND"});
  CHECK(raster::RawTiffBlocks::open(*raster::open_scene(single), single) != nullptr);  // one band: nothing to split
  VSIUnlink(single.c_str());
}

TEST_CASE("raster: a sparse block or one that does not inflate goes back to GDAL, which fills or reports it") {
  const auto path = std::string("/vsimem/sparse.tif");
  {
    const char* options[] = {"TILED=YES",        "BLOCKXSIZE=16",  "BLOCKYSIZE=16",
                             "COMPRESS=DEFLATE", "SPARSE_OK=TRUE", nullptr};
    GDALDatasetUniquePtr ds(GetGDALDriverManager()->GetDriverByName("GTiff")->Create(path.c_str(), 32, 32, 3, GDT_Byte,
                                                                                     const_cast<char**>(options)));
    std::vector<unsigned char> pixels(16 * 16 * 3, 9);
    REQUIRE(ds->RasterIO(GF_Write, 0, 0, 16, 16, pixels.data(), 16, 16, GDT_Byte, 3, nullptr, 3, 48, 1, nullptr) ==
            CE_None);  // only the first block
  }
  auto ds = raster::open_scene(path);
  auto raw = raster::RawTiffBlocks::open(*ds, path);
  REQUIRE(raw != nullptr);
  auto whole = empty_block({0, 0, 32, 32}, {1, 2, 3}, raster::Layout::pixel_interleaved);
  CHECK_FALSE(raw->read({0, 0, 32, 32}, whole));
  auto first = empty_block({0, 0, 16, 16}, {1, 2, 3}, raster::Layout::pixel_interleaved);
  REQUIRE(raw->read({0, 0, 16, 16}, first));
  CHECK(first.data == std::vector<std::byte>(16 * 16 * 3, std::byte{9}));

  const raster::WindowReader reader(path, raster::describe_scene(*ds, path));
  const auto filled = reader.read({0, 0, 32, 32}, {1, 2, 3}, GDT_Byte, {}, raster::Layout::pixel_interleaved);
  CHECK(filled.data == gdal_read(*ds, {0, 0, 32, 32}, whole).data);

  // Garbage in the first block's compressed bytes: the raw read gives up and GDAL's error reaches the caller.
  const char* offset_text = ds->GetRasterBand(1)->GetMetadataItem("BLOCK_OFFSET_0_0", "TIFF");
  REQUIRE(offset_text != nullptr);
  const auto offset = std::strtoull(offset_text, nullptr, 10);
  raw.reset();
  ds.reset();
  VSILFILE* file = VSIFOpenL(path.c_str(), "r+b");
  REQUIRE(file != nullptr);
  const std::vector<unsigned char> garbage(24, 0xFF);
  REQUIRE(VSIFSeekL(file, offset, SEEK_SET) == 0);
  REQUIRE(VSIFWriteL(garbage.data(), 1, garbage.size(), file) == garbage.size());
  VSIFCloseL(file);
  ds = raster::open_scene(path);
  raw = raster::RawTiffBlocks::open(*ds, path);
  REQUIRE(raw != nullptr);
  CHECK_FALSE(raw->read({0, 0, 16, 16}, first));
  const raster::WindowReader broken(path, raster::describe_scene(*ds, path));
  CHECK_THROWS_AS(broken.read({0, 0, 16, 16}, {1, 2, 3}, GDT_Byte, {}, raster::Layout::pixel_interleaved),
                  core::DataError);
  raw.reset();
  ds.reset();
  VSIUnlink(path.c_str());
}

TEST_CASE("raster: a window reader takes whole blocks of a plain GeoTIFF past GDAL's block cache, other windows not") {
  const auto path =
      make_tiff("/vsimem/reader.tif", 100, 70, 3, {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"});
  auto ds = raster::open_scene(path);
  const raster::WindowReader reader(path, raster::describe_scene(*ds, path));
  const core::Window whole{64, 48, 64, 32};  // whole blocks, past the scene's corner
  const auto before = GDALGetCacheUsed64();
  const auto raw = reader.read(whole, {1, 2, 3}, GDT_Byte, {}, raster::Layout::pixel_interleaved);
  CHECK(GDALGetCacheUsed64() == before);  // nothing went through GDAL's cache (it did before raw reads)
  const auto cut = reader.read({5, 3, 32, 16}, {1, 2, 3}, GDT_Byte, {}, raster::Layout::pixel_interleaved);
  CHECK(GDALGetCacheUsed64() > before);  // a window cutting blocks: GDAL's cache, which decodes a shared block once
  CHECK(raw.data == gdal_read(*ds, whole.intersect({0, 0, 100, 70}), raw).data);
  CHECK(cut.data == gdal_read(*ds, {5, 3, 32, 16}, cut).data);
  ds.reset();
  VSIUnlink(path.c_str());
}
