// Tile encoders for every format through one path: MEM over the block's memory → driver CreateCopy → /vsimem/.
#include "tiling/encode.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "raster/gdal_config.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::tiling {

namespace {

// Where a thread encodes its tiles: one /vsimem/ directory and file per thread and extension, kept from
// tile to tile. Opening an existing in-memory file for writing keeps its buffer, so after the first tile an
// encode costs no allocation; a new file would grow in 10% steps, each a reallocation that zeroes the new
// part (half of a GeoTIFF tile's encoding time). The bytes leave it as a copy (take_file), so it is only
// ever used inside one encode_tile call on its own thread.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& extension) {
    static std::atomic<unsigned long> counter{0};
    directory_ = "/vsimem/swath-tile-" + std::to_string(counter.fetch_add(1));
    VSIMkdir(directory_.c_str(), 0755);
    path_ = directory_ + "/tile." + extension;
  }
  ~ScratchFile() { VSIRmdirRecursive(directory_.c_str()); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // A sidecar a driver might write beside the tile (none should: PAM is off) has a fixed name, so the next
  // tile overwrites it, and the directory goes with the thread.
  const std::string& path() const { return path_; }

 private:
  std::string directory_;
  std::string path_;
};

ScratchFile& scratch_for(const std::string& extension) {
  thread_local std::map<std::string, std::unique_ptr<ScratchFile>> files;  // by extension
  auto& file = files[extension];
  if (!file) file = std::make_unique<ScratchFile>(extension);
  return *file;
}

std::string pointer_option(const void* pointer) {
  char text[64];
  std::snprintf(text, sizeof text, "DATAPOINTER=%p", pointer);
  return text;
}

std::string spacing_option(const char* key, std::size_t bytes) {
  return std::string(key) + "=" + std::to_string(bytes);
}

// A MEM dataset whose bands point into the block (no copy); the block must outlive it.
GDALDatasetUniquePtr wrap_block(const raster::PixelBlock& block, std::size_t band_count) {
  auto* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr dataset(mem->Create("", static_cast<int>(block.window.width),
                                           static_cast<int>(block.window.height), 0, block.type, nullptr));
  if (!dataset) throw core::DataError("cannot encode a tile", "GDAL's MEM driver could not create a dataset");
  for (std::size_t b = 0; b < band_count; ++b) {
    const std::string pointer = pointer_option(block.sample_at(b, 0));
    const std::string pixel = spacing_option("PIXELOFFSET", block.pixel_space());
    const std::string line = spacing_option("LINEOFFSET", block.line_space());
    const char* options[] = {pointer.c_str(), pixel.c_str(), line.c_str(), nullptr};
    if (dataset->AddBand(block.type, const_cast<char**>(options)) != CE_None) {
      throw core::DataError("cannot encode a tile", "GDAL's MEM driver could not add a band");
    }
  }
  return dataset;
}

// GDAL keeps each thread's PROJ context in a thread_local, and thread_locals die in reverse order of construction:
// touching the context before `srs` is built lets `srs` die first. Otherwise its destructor, when a thread exits
// (the fleet worker's task threads do), creates a new context that nothing frees.
OGRSpatialReference thread_spatial_reference() {
  OGRSpatialReference srs;
  srs.SetWellKnownGeogCS("WGS84");
  return srs;
}

// Parsing WKT costs PROJ work per call; each thread parses a scene's CRS once (OGR objects are not thread-safe).
const OGRSpatialReference& spatial_reference(const std::string& wkt) {
  thread_local std::string parsed_wkt;
  thread_local OGRSpatialReference srs = thread_spatial_reference();
  if (wkt != parsed_wkt) {
    srs.Clear();
    srs.importFromWkt(wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    parsed_wkt = wkt;
  }
  return srs;
}

// A 64-bit integer band's nodata is written as an integer: GDAL 3.6 writes the double's "-9.22337e+18", which its
// Int64 reader takes as -9. The value fits (raster::describe_scene refuses one a double cannot hold exactly).
void set_nodata(GDALRasterBand& band, double value) {
  if (band.GetRasterDataType() == GDT_Int64) {
    band.SetNoDataValueAsInt64(static_cast<std::int64_t>(value));
  } else if (band.GetRasterDataType() == GDT_UInt64) {
    band.SetNoDataValueAsUInt64(static_cast<std::uint64_t>(value));
  } else {
    band.SetNoDataValue(value);
  }
}

void describe_tile(GDALDataset& dataset, const TileLook& look, const TilePlace& place, const core::Window& window) {
  const bool tiff = look.format == Format::gtiff || look.format == Format::cog;
  // PNG, JPEG and WEBP keep georeferencing only in sidecars, which swath does not write (the manifest has
  // the bounds); leaving it out also spares their drivers the per-tile CRS work of cloning it.
  if (tiff && place.geotransform) {
    auto c = place.geotransform->c;
    dataset.SetGeoTransform(c.data());
  }
  if (tiff && !look.crs_wkt.empty()) dataset.SetSpatialRef(&spatial_reference(look.crs_wkt));
  const auto& nodata = declares_padding_nodata(look, window) ? look.padding_nodata : look.nodata;
  for (int b = 1; b <= dataset.GetRasterCount(); ++b) {
    auto* band = dataset.GetRasterBand(b);
    const auto i = static_cast<std::size_t>(b - 1);
    if (i < nodata.size() && nodata[i]) set_nodata(*band, *nodata[i]);
    if (i == 0 && !look.palette.empty()) {
      GDALColorTable table;
      for (std::size_t c = 0; c < look.palette.size(); ++c) table.SetColorEntry(static_cast<int>(c), &look.palette[c]);
      band->SetColorTable(&table);
    }
    if (i < look.colors.size()) band->SetColorInterpretation(look.colors[i]);
    // A band's name travels with its tiles, so `detect --detector index` finds "nir" in them as in the scene.
    if (tiff && i < look.descriptions.size() && !look.descriptions[i].empty()) {
      band->SetDescription(look.descriptions[i].c_str());
    }
    if (tiff && i < look.meanings.size()) {
      const auto& meaning = look.meanings[i];
      if (meaning.scale) band->SetScale(*meaning.scale);
      if (meaning.offset) band->SetOffset(*meaning.offset);
      if (!meaning.unit.empty()) band->SetUnitType(meaning.unit.c_str());
    }
  }
  if (tiff) {
    for (const auto& [key, value] : look.metadata) dataset.SetMetadataItem(key.c_str(), value.c_str());
    if (!place.id.empty()) dataset.SetMetadataItem("SWATH_TILE", place.id.c_str());
  }
}

// A copy of the bytes `file` holds, so the file is free for this thread's next tile.
EncodedTile take_file(const ScratchFile& file) {
  vsi_l_offset length = 0;
  const GByte* buffer = VSIGetMemFileBuffer(file.path().c_str(), &length, FALSE);
  if (buffer == nullptr) throw core::DataError("cannot encode a tile", "the driver wrote no file");
  const auto size = static_cast<std::size_t>(length);
  auto memory = tile_memory(size);
  std::memcpy(memory.data, buffer, size);
  return EncodedTile(std::string_view(reinterpret_cast<const char*>(memory.data), size), std::move(memory.keeper));
}

// GTiff through Create + RasterIO: CreateCopy would re-open the file and clone every PAM item of the
// source, which costs more than a 512×512 tile's encoding.
GDALDatasetUniquePtr write_gtiff(GDALDriver& driver, const std::string& path, const raster::PixelBlock& block,
                                 std::size_t band_count, const TileLook& look, const TilePlace& place,
                                 CPLStringList& options) {
  const bool rgb = band_count >= 3 && block.type == GDT_Byte && look.colors.size() >= 3 &&
                   look.colors[0] == GCI_RedBand && look.colors[1] == GCI_GreenBand && look.colors[2] == GCI_BlueBand;
  if (rgb && options.FetchNameValue("PHOTOMETRIC") == nullptr) options.SetNameValue("PHOTOMETRIC", "RGB");
  GDALDatasetUniquePtr dataset(driver.Create(path.c_str(), static_cast<int>(block.window.width),
                                             static_cast<int>(block.window.height), static_cast<int>(band_count),
                                             block.type, options.List()));
  if (!dataset) return dataset;
  describe_tile(*dataset, look, place, block.window);
  std::vector<int> bands(band_count);
  for (std::size_t b = 0; b < band_count; ++b) bands[b] = static_cast<int>(b + 1);
  const CPLErr err =
      dataset->RasterIO(GF_Write, 0, 0, static_cast<int>(block.window.width), static_cast<int>(block.window.height),
                        const_cast<std::byte*>(block.data.data()), static_cast<int>(block.window.width),
                        static_cast<int>(block.window.height), block.type, static_cast<int>(band_count), bands.data(),
                        static_cast<GSpacing>(block.pixel_space()), static_cast<GSpacing>(block.line_space()),
                        static_cast<GSpacing>(block.band_space()), nullptr);
  if (err != CE_None) dataset.reset();
  return dataset;
}

}  // namespace

bool declares_padding_nodata(const TileLook& look, const core::Window& window) {
  return !look.padding_nodata.empty() && window.intersect(look.scene) != window;
}

EncodedTile encode_tile(const raster::PixelBlock& block, std::size_t band_count, const TileLook& look,
                        const TilePlace& place) {
  // Sidecar files (.aux.xml) would hold what PNG/JPEG cannot; swath keeps that in the manifest instead.
  const raster::ScopedConfigOption no_sidecars("GDAL_PAM_ENABLED", "NO");
  const std::string driver_name = format_name(look.format);
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
  if (driver == nullptr) throw core::UsageError("format " + driver_name, "this GDAL build has no such driver");
  CPLStringList options;
  for (const auto& option : look.creation_options) options.AddString(option.c_str());

  ScratchFile& file = scratch_for(file_extension(look.format));
  const std::string& path = file.path();
  raster::CapturedGdalErrors errors;
  GDALDatasetUniquePtr written;
  if (look.format == Format::gtiff) {
    written = write_gtiff(*driver, path, block, band_count, look, place, options);
  } else {
    auto source = wrap_block(block, band_count);
    describe_tile(*source, look, place, block.window);
    written.reset(driver->CreateCopy(path.c_str(), source.get(), FALSE, options.List(), nullptr, nullptr));
  }
  if (!written) {
    throw core::DataError("cannot encode a " + driver_name + " tile", errors.last_failure(),
                          "check --bands and --co for this format");
  }
  written.reset();  // closing flushes; a failure there is captured like any other
  if (errors.failed()) throw core::DataError("cannot encode a " + driver_name + " tile", errors.last_failure());
  return take_file(file);
}

void check_encoding(Format format, const std::vector<std::string>& creation_options, std::size_t bands,
                    GDALDataType type, const TrialGeoref& georef) {
  if (creation_options.empty() || bands == 0) return;  // swath's own choices encode
  static thread_local std::set<std::string> passed;
  const std::string name = format_name(format);
  std::string key = name + " " + std::to_string(bands) + " " + std::to_string(static_cast<int>(type));
  for (const auto& option : creation_options) key += " " + option;
  for (const auto& option : georef.added_options) key += " +" + option;
  if (format == Format::cog) {  // only COG's options read the georeferencing (TILING_SCHEME, TARGET_SRS...)
    key += " " + std::to_string(std::hash<std::string>{}(georef.crs_wkt));
    if (georef.geotransform) {
      for (const double c : georef.geotransform->c) key += " " + std::to_string(c);
    }
  }
  if (passed.size() > 1000) passed.clear();  // an enqueue of a million COG scenes: bounded
  if (passed.count(key) != 0) return;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(name.c_str());
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  if (driver == nullptr || mem == nullptr) return;  // said by encode_tile, naming the format
  GDALDatasetUniquePtr source(mem->Create("", 16, 16, static_cast<int>(bands), type, nullptr));
  if (!source) return;
  if (georef.geotransform) source->SetGeoTransform(const_cast<double*>(georef.geotransform->c.data()));
  if (!georef.crs_wkt.empty()) source->SetSpatialRef(&spatial_reference(georef.crs_wkt));
  CPLStringList options;
  for (const auto& option : creation_options) options.AddString(option.c_str());
  for (const auto& option : georef.added_options) options.AddString(option.c_str());
  const raster::ScopedConfigOption no_sidecars("GDAL_PAM_ENABLED", "NO");
  ScratchFile& file = scratch_for(file_extension(format));
  std::string refusal;  // a failure, or a warning that an option given is not supported or not a valid value
  std::string warning;  // the first other warning (GDAL 3.6 warns of WEBP_LEVEL with WEBP_LOSSLESS, none given)
  {
    const raster::CapturedGdalErrors heard(raster::CapturedGdalErrors::Warnings::keep);
    GDALDatasetUniquePtr written(
        driver->CreateCopy(file.path().c_str(), source.get(), FALSE, options.List(), nullptr, nullptr));
    const bool made = written != nullptr;
    written.reset();
    for (const auto& said : heard.warnings()) {
      // "ZLEVEL=99 value not recognised, ignoring." (CPLE_IllegalArg), "driver JPEG does not support creation
      // option QUALTY" (CPLE_NotSupported): the option would be ignored on every tile.
      const bool refusing = said.number == CPLE_IllegalArg || said.number == CPLE_NotSupported;
      std::string& slot = refusing ? refusal : warning;
      if (slot.empty()) slot = said.text;
    }
    if (heard.failed()) refusal = heard.first_failure();
    if (!made && refusal.empty()) refusal = "the driver refused them (GDAL said no more)";
  }
  VSIUnlink(file.path().c_str());
  const auto without_scratch_name = [&](std::string text) {
    if (text.rfind(file.path() + ": ", 0) == 0) text.erase(0, file.path().size() + 2);
    return text;
  };
  if (refusal.empty()) {
    // Counted with the same warning from every tile: said once.
    if (!warning.empty()) raster::log_gdal_warning(without_scratch_name(warning));
    passed.insert(key);
    return;
  }
  const std::string complaint = without_scratch_name(refusal);
  std::string given;
  for (const auto& option : creation_options) given += (given.empty() ? "" : " ") + option;
  throw core::UsageError(std::string(creation_options.size() == 1 ? "creation option " : "creation options ") + given +
                             " for " + name + " tiles",
                         complaint,
                         "`gdalinfo --format " + name + "` lists " + name + "'s creation options and their values");
}

}  // namespace swath::tiling
