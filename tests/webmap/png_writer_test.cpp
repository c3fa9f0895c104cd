// swath's PNG encoder against GDAL's PNG driver: the same pixels back through GDAL for grey, GA, RGB and RGBA tiles
// of noise, gradients and flat colour, chunk CRCs checked with a CRC-32 written here from the spec, same bytes twice.
#include <doctest/doctest.h>

#include <cpl_vsi.h>
#include <gdal_priv.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "tiling/encode.hpp"
#include "webmap/png_writer.hpp"

using namespace swath;

namespace {

// PNG's CRC-32 (spec annex D), bit by bit: independent of the table-driven one the encoder uses.
std::uint32_t spec_crc(const std::uint8_t* data, std::size_t n) {
  std::uint32_t c = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= data[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xffffffffu;
}

std::uint32_t get32(const std::uint8_t* at) {
  return std::uint32_t{at[0]} << 24 | std::uint32_t{at[1]} << 16 | std::uint32_t{at[2]} << 8 | at[3];
}

struct Chunk {
  std::string type;
  std::vector<std::uint8_t> data;
};

// The chunks of a PNG, each CRC checked.
std::vector<Chunk> chunks_of(std::string_view png) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(png.data());
  const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  REQUIRE(png.size() >= 8);
  REQUIRE(std::memcmp(p, signature, 8) == 0);
  std::vector<Chunk> out;
  std::size_t at = 8;
  while (at < png.size()) {
    REQUIRE(at + 12 <= png.size());
    const std::uint32_t length = get32(p + at);
    REQUIRE(at + 12 + length <= png.size());
    CHECK(get32(p + at + 8 + length) == spec_crc(p + at + 4, length + 4));
    out.push_back({std::string(reinterpret_cast<const char*>(p + at + 4), 4),
                   std::vector<std::uint8_t>(p + at + 8, p + at + 8 + length)});
    at += 12 + length;
  }
  return out;
}

// Decoded by GDAL: band-interleaved-by-pixel samples, and the band count.
std::vector<std::uint8_t> decode(std::string_view png, int& bands, int& width, int& height) {
  static int counter = 0;
  const std::string path = "/vsimem/png_writer_test_" + std::to_string(counter++) + ".png";
  VSILFILE* file = VSIFileFromMemBuffer(path.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(png.data())),
                                        static_cast<vsi_l_offset>(png.size()), FALSE);
  REQUIRE(file != nullptr);
  VSIFCloseL(file);
  std::vector<std::uint8_t> pixels;
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    REQUIRE(dataset);
    bands = dataset->GetRasterCount();
    width = dataset->GetRasterXSize();
    height = dataset->GetRasterYSize();
    pixels.resize(static_cast<std::size_t>(bands) * static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    REQUIRE(dataset->RasterIO(GF_Read, 0, 0, width, height, pixels.data(), width, height, GDT_Byte, bands, nullptr,
                              bands, static_cast<GSpacing>(bands) * width, 1, nullptr) == CE_None);
  }
  VSIUnlink(path.c_str());
  return pixels;
}

// The GDAL path of web-map tiles (tiling::encode_tile, PNG, ZLEVEL=1).
tiling::EncodedTile encode_with_gdal(const std::vector<std::uint8_t>& pixels, int width, int height, int step,
                                     int bands) {
  raster::PixelBlock block;
  block.window = {0, 0, width, height};
  block.type = GDT_Byte;
  block.layout = raster::Layout::pixel_interleaved;
  for (int b = 1; b <= step; ++b) block.bands.push_back(b);
  block.data.resize(pixels.size());
  std::memcpy(block.data.data(), pixels.data(), pixels.size());
  tiling::TileLook look;
  look.format = tiling::Format::png;
  look.creation_options = {"ZLEVEL=1"};
  return tiling::encode_tile(block, static_cast<std::size_t>(bands), look, {});
}

enum class Content { noise, gradient, flat };

std::vector<std::uint8_t> make_pixels(Content content, int width, int height, int step, std::mt19937& random) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(width * height * step));
  std::uniform_int_distribution<int> byte(0, 255);
  const int base = byte(random);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int k = 0; k < step; ++k) {
        int v = base;
        if (content == Content::noise) v = byte(random);
        if (content == Content::gradient) v = base + 3 * x + 5 * y * (k + 1) + (byte(random) & 3);
        out[static_cast<std::size_t>((y * width + x) * step + k)] = static_cast<std::uint8_t>(v);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("png writer: GDAL decodes the same pixels as from GDAL's own PNG, every chunk's CRC holds") {
  std::mt19937 random(14);
  for (const int bands : {1, 2, 3, 4}) {
    for (const int step : {bands, bands + 1}) {
      if (step > 4) continue;
      for (const auto content : {Content::noise, Content::gradient, Content::flat}) {
        for (const auto& [width, height] : {std::pair{256, 256}, std::pair{1, 1}, std::pair{37, 5}, std::pair{3, 90}}) {
          CAPTURE(bands);
          CAPTURE(step);
          CAPTURE(static_cast<int>(content));
          CAPTURE(width);
          const auto pixels = make_pixels(content, width, height, step, random);
          const auto ours =
              webmap::encode_png(pixels.data(), width, height, bands, step, static_cast<std::size_t>(width * step), 1);
          const auto gdal = encode_with_gdal(pixels, width, height, step, bands);

          const auto chunks = chunks_of(ours.bytes());
          REQUIRE(chunks.size() == 3);
          CHECK(chunks[0].type == "IHDR");
          CHECK(chunks[1].type == "IDAT");
          CHECK(chunks[2].type == "IEND");
          CHECK(chunks[2].data.empty());
          // IHDR as GDAL's driver writes it: size, 8 bits, the colour type of the band count, no interlace.
          CHECK(chunks[0].data == chunks_of(gdal.bytes())[0].data);

          int our_bands = 0, our_width = 0, our_height = 0, gdal_bands = 0, gdal_width = 0, gdal_height = 0;
          const auto decoded = decode(ours.bytes(), our_bands, our_width, our_height);
          const auto expected = decode(gdal.bytes(), gdal_bands, gdal_width, gdal_height);
          CHECK(our_bands == bands);
          CHECK(gdal_bands == bands);
          CHECK(our_width == width);
          CHECK(our_height == height);
          CHECK(decoded == expected);
          // And those pixels are the input's first `bands` samples of each pixel.
          bool same_as_input = true;
          for (std::size_t i = 0; i < static_cast<std::size_t>(width * height); ++i) {
            for (int k = 0; k < bands; ++k) {
              same_as_input &= decoded[i * static_cast<std::size_t>(bands) + static_cast<std::size_t>(k)] ==
                               pixels[i * static_cast<std::size_t>(step) + static_cast<std::size_t>(k)];
            }
          }
          CHECK(same_as_input);
        }
      }
    }
  }
}

TEST_CASE("png writer: deterministic, rows read at their stride, and a higher level is no larger on gradients") {
  std::mt19937 random(7);
  const int width = 100, height = 64, step = 4;
  const auto pixels = make_pixels(Content::gradient, width, height, step, random);
  const auto once = webmap::encode_png(pixels.data(), width, height, 3, step, width * step, 1);
  const auto twice = webmap::encode_png(pixels.data(), width, height, 3, step, width * step, 1);
  CHECK(once.bytes() == twice.bytes());
  // The same tile inside a wider image (rows 7 pixels longer) encodes to the same bytes.
  const int wide = width + 7;
  std::vector<std::uint8_t> padded(static_cast<std::size_t>(wide * height * step), 0xab);
  for (int y = 0; y < height; ++y) {
    std::memcpy(&padded[static_cast<std::size_t>(y * wide * step)], &pixels[static_cast<std::size_t>(y * width * step)],
                static_cast<std::size_t>(width * step));
  }
  const auto strided = webmap::encode_png(padded.data(), width, height, 3, step, wide * step, 1);
  CHECK(strided.bytes() == once.bytes());
  const auto best = webmap::encode_png(pixels.data(), width, height, 3, step, width * step, 9);
  CHECK(best.bytes().size() <= once.bytes().size());
  int b = 0, w = 0, h = 0, b9 = 0, w9 = 0, h9 = 0;
  CHECK(decode(best.bytes(), b9, w9, h9) == decode(once.bytes(), b, w, h));
}

TEST_CASE("png writer: which creation options it honours (ZLEVEL=1..9 alone), the rest stay with GDAL") {
  tiling::TileLook look;
  look.format = tiling::Format::png;
  CHECK(webmap::own_png_level(look) == 6);
  look.creation_options = {"ZLEVEL=1"};
  CHECK(webmap::own_png_level(look) == 1);
  look.creation_options = {"zlevel=9"};
  CHECK(webmap::own_png_level(look) == 9);
  look.creation_options = {"ZLEVEL=3", "ZLEVEL=1"};  // GDAL reads the first
  CHECK(webmap::own_png_level(look) == 3);
  for (const auto& other : std::vector<std::vector<std::string>>{
           {"ZLEVEL=0"}, {"ZLEVEL=10"}, {"ZLEVEL=x"}, {"ZLEVEL="}, {"ZLEVEL=1", "NBITS=4"}, {"WORLDFILE=YES"}}) {
    look.creation_options = other;
    CAPTURE(other.front());
    CHECK_FALSE(webmap::own_png_level(look).has_value());
  }
  look.creation_options = {"ZLEVEL=1"};
  look.format = tiling::Format::webp;
  CHECK_FALSE(webmap::own_png_level(look).has_value());
}

TEST_CASE("png writer: refuses what PNG cannot hold here") {
  const std::uint8_t pixel[5] = {1, 2, 3, 4, 5};
  CHECK_THROWS_AS(webmap::encode_png(pixel, 1, 1, 5, 5, 5, 1), core::DataError);
  CHECK_THROWS_AS(webmap::encode_png(pixel, 1, 1, 3, 2, 5, 1), core::DataError);
  CHECK_THROWS_AS(webmap::encode_png(pixel, 0, 1, 3, 3, 5, 1), core::DataError);
}
