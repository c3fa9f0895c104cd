// PNG tiles without libpng: filtered rows in one buffer, one libdeflate zlib stream, chunks with their CRCs.
#include "webmap/png_writer.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/errors.hpp"

namespace swath::webmap {

namespace {

using Bytes = std::vector<std::uint8_t>;

// The sum libpng minimises: each filtered byte read as signed, absolute.
unsigned cost(const std::uint8_t* row, std::size_t n) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += row[i] < 128 ? row[i] : 256 - row[i];
  return sum;
}

// The four predicting filters of PNG (spec 9.2) over one row: `bpp` bytes per pixel, `prior` the unfiltered row above
// (zeros for the first). Plain loops over bytes, so the compiler can vectorise them.
void sub(const std::uint8_t* row, std::size_t n, std::size_t bpp, std::uint8_t* out) {
  for (std::size_t i = 0; i < bpp; ++i) out[i] = row[i];
  for (std::size_t i = bpp; i < n; ++i) out[i] = static_cast<std::uint8_t>(row[i] - row[i - bpp]);
}

void up(const std::uint8_t* row, const std::uint8_t* prior, std::size_t n, std::uint8_t* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(row[i] - prior[i]);
}

void average(const std::uint8_t* row, const std::uint8_t* prior, std::size_t n, std::size_t bpp, std::uint8_t* out) {
  for (std::size_t i = 0; i < bpp; ++i) out[i] = static_cast<std::uint8_t>(row[i] - (prior[i] >> 1));
  for (std::size_t i = bpp; i < n; ++i) {
    out[i] = static_cast<std::uint8_t>(row[i] - ((row[i - bpp] + prior[i]) >> 1));
  }
}

void paeth(const std::uint8_t* row, const std::uint8_t* prior, std::size_t n, std::size_t bpp, std::uint8_t* out) {
  for (std::size_t i = 0; i < bpp; ++i) out[i] = static_cast<std::uint8_t>(row[i] - prior[i]);
  for (std::size_t i = bpp; i < n; ++i) {
    const int a = row[i - bpp], b = prior[i], c = prior[i - bpp];
    const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
    const int predicted = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
    out[i] = static_cast<std::uint8_t>(row[i] - predicted);
  }
}

// Filters every row into `out` (a filter-type byte, then the row): `rows` holds them unfiltered, `n` bytes each.
void filter_rows(const std::uint8_t* rows, std::size_t n, int height, std::size_t bpp, std::uint8_t* out) {
  thread_local Bytes zeros, trial, best;
  zeros.assign(n, 0);
  trial.resize(n);
  best.resize(n);
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = rows + static_cast<std::size_t>(y) * n;
    const std::uint8_t* prior = y == 0 ? zeros.data() : row - n;
    std::uint8_t* line = out + static_cast<std::size_t>(y) * (n + 1);
    // Ties go to the earlier filter, as in libpng.
    std::uint8_t chosen = 0;
    unsigned least = cost(row, n);
    const auto consider = [&](std::uint8_t type) {
      const unsigned c = cost(trial.data(), n);
      if (c < least) {
        least = c;
        chosen = type;
        best.swap(trial);
      }
    };
    sub(row, n, bpp, trial.data());
    consider(1);
    up(row, prior, n, trial.data());
    consider(2);
    average(row, prior, n, bpp, trial.data());
    consider(3);
    paeth(row, prior, n, bpp, trial.data());
    consider(4);
    line[0] = chosen;
    std::memcpy(line + 1, chosen == 0 ? row : best.data(), n);
  }
}

void put32(std::uint8_t* at, std::uint32_t value) {
  at[0] = static_cast<std::uint8_t>(value >> 24);
  at[1] = static_cast<std::uint8_t>(value >> 16);
  at[2] = static_cast<std::uint8_t>(value >> 8);
  at[3] = static_cast<std::uint8_t>(value);
}

// A chunk whose `length` data bytes are already at at + 8: its length, type and CRC (over type and data) around
// them. Returns the bytes the chunk takes.
std::size_t close_chunk(std::uint8_t* at, const char* type, std::size_t length) {
  put32(at, static_cast<std::uint32_t>(length));
  std::memcpy(at + 4, type, 4);
  put32(at + 8 + length, libdeflate_crc32(0, at + 4, length + 4));
  return length + 12;
}

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

libdeflate_compressor& compressor(int level) {
  thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> kept;
  thread_local int kept_level = -1;
  if (!kept || kept_level != level) {
    kept.reset(libdeflate_alloc_compressor(level));
    if (!kept) throw core::DataError("cannot encode a PNG tile", "libdeflate refused level " + std::to_string(level));
    kept_level = level;
  }
  return *kept;
}

bool starts_with_zlevel(const std::string& option) {
  static constexpr std::string_view key = "ZLEVEL=";
  if (option.size() < key.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(option[i])) != key[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<int> own_png_level(const tiling::TileLook& look) {
  if (look.format != tiling::Format::png) return std::nullopt;
  std::optional<int> level;
  for (const auto& option : look.creation_options) {
    if (!starts_with_zlevel(option)) return std::nullopt;
    int n = 0;
    const char* first = option.data() + 7;
    const char* last = option.data() + option.size();
    const auto [end, error] = std::from_chars(first, last, n);
    if (error != std::errc{} || end != last || n < 1 || n > 9) return std::nullopt;
    if (!level) level = n;  // GDAL reads the first ZLEVEL given
  }
  return level ? level : 6;  // GDAL's PNG default is zlib's 6
}

tiling::EncodedTile encode_png(const std::uint8_t* pixels, int width, int height, int bands, int pixel_step,
                               std::size_t row_step, int level) {
  if (bands < 1 || bands > 4 || pixel_step < bands || width < 1 || height < 1) {
    throw core::DataError("cannot encode a PNG tile", "not 1 to 4 bands of at least one pixel");
  }
  const auto bpp = static_cast<std::size_t>(bands);
  const std::size_t n = static_cast<std::size_t>(width) * bpp;
  // The written bands packed row after row, then filtered behind a type byte each.
  thread_local Bytes packed, filtered;
  packed.resize(n * static_cast<std::size_t>(height));
  filtered.resize((n + 1) * static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* from = pixels + static_cast<std::size_t>(y) * row_step;
    std::uint8_t* to = packed.data() + static_cast<std::size_t>(y) * n;
    if (pixel_step == bands) {
      std::memcpy(to, from, n);
    } else {
      for (int x = 0; x < width; ++x) {
        std::memcpy(to + static_cast<std::size_t>(x) * bpp, from + static_cast<std::size_t>(x * pixel_step), bpp);
      }
    }
  }
  filter_rows(packed.data(), n, height, bpp, filtered.data());

  libdeflate_compressor& deflate = compressor(level);
  static constexpr std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static constexpr std::uint8_t color_types[5] = {0, 0, 4, 2, 6};  // by band count
  const std::size_t bound = libdeflate_zlib_compress_bound(&deflate, filtered.size());
  // Written into a scratch buffer of the worst case, then kept at its real size: a block holds its tiles until they
  // are written, and worst-case buffers took ~25 MB more peak memory on the xyz bench.
  thread_local Bytes scratch;
  scratch.resize(8 + 25 + 12 + bound + 12);
  std::uint8_t* out = scratch.data();
  std::memcpy(out, signature, 8);
  std::size_t at = 8;
  std::uint8_t* ihdr = out + at + 8;
  put32(ihdr, static_cast<std::uint32_t>(width));
  put32(ihdr + 4, static_cast<std::uint32_t>(height));
  ihdr[8] = 8;                         // bit depth
  ihdr[9] = color_types[bands];        // colour type
  ihdr[10] = ihdr[11] = ihdr[12] = 0;  // deflate, adaptive filtering, no interlace
  at += close_chunk(out + at, "IHDR", 13);
  const std::size_t compressed =
      libdeflate_zlib_compress(&deflate, filtered.data(), filtered.size(), out + at + 8, bound);
  if (compressed == 0) throw core::DataError("cannot encode a PNG tile", "libdeflate could not compress the rows");
  at += close_chunk(out + at, "IDAT", compressed);
  at += close_chunk(out + at, "IEND", 0);
  auto memory = tiling::tile_memory(at);
  std::memcpy(memory.data, out, at);
  return tiling::EncodedTile(std::string_view(reinterpret_cast<const char*>(memory.data), at),
                             std::move(memory.keeper));
}

}  // namespace swath::webmap
