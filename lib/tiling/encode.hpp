// Encoding one tile in memory: a MEM dataset over the block, CreateCopy into /vsimem/, bytes out.
#pragma once

#include <gdal.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.hpp"
#include "raster/window_reader.hpp"
#include "tiling/options.hpp"

namespace swath::tiling {

// Everything about a tile except its pixels and its place: the same for every tile of a scene.
struct TileLook {
  Format format = Format::gtiff;
  std::vector<std::string> creation_options;
  std::string crs_wkt;
  std::vector<std::optional<double>> nodata;  // per written band
  // A scene without nodata pads with 0: tiles reaching past `scene` (padded edge tiles) declare this nodata
  // instead, so readers can tell padding from data. Empty: none (the scene has nodata, or nothing is padded).
  std::vector<std::optional<double>> padding_nodata;
  core::Window scene;                     // the scene's extent in its pixel grid
  std::vector<GDALColorInterp> colors;    // per written band
  std::vector<std::string> descriptions;  // per written band: the scene's ("nir"), GTiff/COG only
  std::vector<GDALColorEntry> palette;    // a one-band palette scene's colour table (GTiff, COG, PNG): the tile's too
  // What a band's values mean (reflectance = value × scale + offset, in unit): per written band, GTiff/COG only.
  struct Meaning {
    std::optional<double> scale, offset;
    std::string unit;
  };
  std::vector<Meaning> meanings;
  std::vector<std::pair<std::string, std::string>> metadata;  // GTiff/COG only (provenance)
};

// Encoded bytes, valid while this object lives (on any thread: a writer thread may hold it).
class EncodedTile {
 public:
  EncodedTile(std::string_view bytes, std::shared_ptr<void> keeper) : bytes_(bytes), keeper_(std::move(keeper)) {}
  std::string_view bytes() const { return bytes_; }

 private:
  std::string_view bytes_;
  std::shared_ptr<void> keeper_;  // holds the in-memory file behind bytes_
};

// Memory for a tile's `size` encoded bytes, aligned for direct I/O (core::direct_io_alignment) so writing it
// needs no copy; `keeper` returns it to a pool when the EncodedTile made with it is gone (fresh memory for
// every tile would cost page faults each time). The pool keeps as many buffers as were ever in use at once.
struct TileMemory {
  std::byte* data;
  std::shared_ptr<void> keeper;
};
TileMemory tile_memory(std::size_t size);

// The encoded bytes of the first `band_count` bands of `block`. Deterministic: the same pixels and look
// give the same bytes (no time, no software tag). Throws DataError when the driver refuses the data.
// What differs from one tile of a scene to the next.
struct TilePlace {
  std::optional<core::GeoTransform> geotransform;  // of the tile's top-left pixel; absent: none written
  std::string id;                                  // the SWATH_TILE metadata item (GTiff/COG), after the look's
};

// Whether a tile over `window` declares the look's padding nodata instead of its nodata (it reaches past the scene).
bool declares_padding_nodata(const TileLook& look, const core::Window& window);

EncodedTile encode_tile(const raster::PixelBlock& block, std::size_t band_count, const TileLook& look,
                        const TilePlace& place);

// Encodes one small blank tile of `bands` bands of `type` in `format` with `creation_options`, as every tile will
// be: a creation option the driver refuses (PNG ZLEVEL=0, JPEG QUALITY=500, PREDICTOR=3 on integers) or ignores
// with a warning (GTiff ZLEVEL=99 "not recognised, ignoring") is a UsageError naming it now, instead of a failure
// of every tile, or a default the user did not ask for. The tile is placed at the scene's top-left corner in its
// CRS (`georef`), as real tiles are (COG's TILING_SCHEME, TARGET_SRS need it). Each combination is tried once per
// thread.
struct TrialGeoref {
  std::optional<core::GeoTransform> geotransform;
  std::string crs_wkt;
  std::vector<std::string> added_options;  // what swath adds to the user's (INTERLEAVE): tried, not named
};
void check_encoding(Format format, const std::vector<std::string>& creation_options, std::size_t bands,
                    GDALDataType type, const TrialGeoref& georef = {});

}  // namespace swath::tiling
