// Scene opening with messages that say what is wrong and what to do.
#include "raster/scene.hpp"

#include <cpl_vsi.h>
#include <fmt/format.h>
#include <ogr_spatialref.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::raster {

namespace {

bool exists(const std::string& path) {
  VSIStatBufL stat{};
  return VSIStatExL(path.c_str(), &stat, VSI_STAT_EXISTS_FLAG) == 0;
}

bool is_local(const std::string& path) { return !core::is_vsi_path(path); }

bool is_directory(const std::string& path) {
  VSIStatBufL stat{};
  return VSIStatExL(path.c_str(), &stat, VSI_STAT_NATURE_FLAG) == 0 && VSI_ISDIR(stat.st_mode);
}

// Where the last block of the last band ends, against the file's size (GTiff only; GDAL reads one offset entry).
std::string truncation_of(GDALDataset& dataset, const std::string& path) {
  if (dataset.GetDriver() == nullptr || std::string(GDALGetDriverShortName(dataset.GetDriver())) != "GTiff") return "";
  GDALRasterBand* band = dataset.GetRasterBand(dataset.GetRasterCount());
  int bw = 0;
  int bh = 0;
  band->GetBlockSize(&bw, &bh);
  if (bw <= 0 || bh <= 0) return "";
  const std::string block =
      std::to_string((band->GetXSize() + bw - 1) / bw - 1) + "_" + std::to_string((band->GetYSize() + bh - 1) / bh - 1);
  const char* offset = band->GetMetadataItem(("BLOCK_OFFSET_" + block).c_str(), "TIFF");
  const char* size = band->GetMetadataItem(("BLOCK_SIZE_" + block).c_str(), "TIFF");
  VSIStatBufL stat{};
  if (offset == nullptr || size == nullptr || VSIStatL(path.c_str(), &stat) != 0) return "";
  const auto end = std::strtoull(offset, nullptr, 10) + std::strtoull(size, nullptr, 10);
  if (end <= static_cast<unsigned long long>(stat.st_size)) return "";
  return "its last block ends at byte " + std::to_string(end) + ", the file has " + std::to_string(stat.st_size) +
         " bytes";
}

}  // namespace

void refuse_special_file(const std::string& path) {
  struct stat entry {};
  if (!is_local(path) || ::stat(path.c_str(), &entry) != 0 || S_ISREG(entry.st_mode) || S_ISDIR(entry.st_mode)) return;
  throw core::IoError("cannot open '" + path + "'",
                      std::string(S_ISFIFO(entry.st_mode)   ? "a FIFO"
                                  : S_ISSOCK(entry.st_mode) ? "a socket"
                                                            : "a device") +
                          ", not a raster file",
                      "GDAL reads a raster by seeking in it: write the stream to a file first");
}

GDALDatasetUniquePtr open_scene(const std::string& path) {
  refuse_special_file(path);
  CapturedGdalErrors errors;
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  if (dataset) return dataset;
  // Ctrl-C while the open blocked (a FIFO made in the meantime, a network path that does not answer): a stop (exit
  // 130), not "not a raster". Only then: a worker's tasks run on through SIGTERM's grace, and a file's real failure
  // must stay what it is.
  struct stat entry {};
  if (core::cancel_requested() && is_local(path) && ::stat(path.c_str(), &entry) == 0 && S_ISFIFO(entry.st_mode)) {
    throw core::Interrupted("opening '" + path + "' interrupted",
                            "is it a FIFO or a network path that does not answer?");
  }
  if (is_local(path) && !exists(path)) {
    if (struct stat link{}; ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
      throw core::IoError("cannot open '" + path + "'", "a symbolic link to no file (its target is missing, or loops)",
                          "check where the link points (ls -l)");
    }
    throw core::IoError("cannot open '" + path + "'", "no such file", "check the path");
  }
  // A member missing from an archive (or the archive itself) reads to GDAL as no dataset, without a reason.
  VSIStatBufL stat{};
  for (const char* archive : {"/vsizip/", "/vsitar/", "/vsigzip/", "/vsi7z/"}) {
    if (path.rfind(archive, 0) == 0 && VSIStatL(path.c_str(), &stat) != 0) {
      throw core::IoError("cannot open '" + path + "'", "no such archive, or no such file in it",
                          "check the archive's path and the name of the file inside it");
    }
  }
  // A network path GDAL cannot reach reads as "not a raster" too: said as what it is.
  for (const char* remote : {"/vsicurl/", "/vsis3/", "/vsigs/", "/vsiaz/", "/vsiadls/", "/vsioss/", "/vsiswift/"}) {
    if (path.rfind(remote, 0) == 0 && VSIStatL(path.c_str(), &stat) != 0) {
      throw core::IoError("cannot open '" + path + "'",
                          "cannot reach it: no such object, no network, or no credentials (" +
                              errors.last_failure("GDAL gave no reason; its log may say more") + ")",
                          "check the URL and the network; for cloud storage the credentials GDAL reads (e.g. "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_NO_SIGN_REQUEST=YES for a public "
                          "bucket)");
    }
  }
  // GDAL reads some directories (e.g. a Sentinel-2 .SAFE); any other one gets a plain answer.
  if (is_directory(path)) {
    throw core::IoError("cannot open '" + path + "'", "a directory, not a raster", "give the raster file inside it");
  }
  // GDAL says only that no driver took it (its own message is a separate warning), not that it could not read it.
  if (is_local(path) && ::access(path.c_str(), R_OK) != 0) {
    const int error = errno;
    throw core::IoError("cannot open '" + path + "'", std::strerror(error),
                        "check the file's permissions for the user swath runs as");
  }
  throw core::IoError("cannot open '" + path + "'", "not a raster GDAL can read (" + errors.last_failure() + ")",
                      "give a GeoTIFF, COG, VRT, JP2 or another format listed by `gdalinfo --formats`");
}

namespace {

// A band's nodata as a double, which swath carries it as: a 64-bit integer band's is read exactly and refused when a
// double cannot hold it (above 2^53 in magnitude, but for powers of two): its padding and declared value would be
// another number.
double nodata_value(GDALRasterBand& band, int number, const std::string& path, int& has_nodata) {
  const GDALDataType type = band.GetRasterDataType();
  if (type != GDT_Int64 && type != GDT_UInt64) return band.GetNoDataValue(&has_nodata);
  std::string text;
  double value = 0;
  bool exact = true;
  if (type == GDT_Int64) {
    const std::int64_t v = band.GetNoDataValueAsInt64(&has_nodata);
    value = static_cast<double>(v);
    exact = value < 9223372036854775808.0 && static_cast<std::int64_t>(value) == v;
    text = std::to_string(v);
  } else {
    const std::uint64_t v = band.GetNoDataValueAsUInt64(&has_nodata);
    value = static_cast<double>(v);
    exact = value < 18446744073709551616.0 && static_cast<std::uint64_t>(value) == v;
    text = std::to_string(v);
  }
  if (has_nodata != 0 && !exact) {
    throw core::DataError(
        "scene '" + path + "'",
        "band " + std::to_string(number) + " (" + GDALGetDataTypeName(type) + ") declares nodata " + text +
            ", which swath cannot carry exactly (it holds nodata as a double: integers up to 2^53)",
        "give the band a nodata value within ±9007199254740992 (gdal_edit.py -a_nodata V '" + path + "')");
  }
  return value;
}

}  // namespace

SceneInfo describe_scene(GDALDataset& dataset, const std::string& path) {
  SceneInfo info;
  info.path = path;
  info.width = dataset.GetRasterXSize();
  info.height = dataset.GetRasterYSize();
  info.band_count = dataset.GetRasterCount();
  if (info.band_count == 0) {
    throw core::DataError("cannot read '" + path + "'", "the dataset has no raster bands",
                          "give a raster with at least one band");
  }
  GDALRasterBand* first = dataset.GetRasterBand(1);
  info.data_type = first->GetRasterDataType();
  // GDAL 3.6 has no Int8: a signed 8-bit band is Byte plus this flag, and reads as 0-255 (-47 as 209). Tiles and
  // detections would hold the wrong values without a word.
  const char* pixel_type = first->GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE");
  if (info.data_type == GDT_Byte && pixel_type != nullptr && std::string(pixel_type) == "SIGNEDBYTE") {
    throw core::DataError("scene '" + path + "'",
                          "its bands are signed 8-bit (PIXELTYPE=SIGNEDBYTE), which GDAL 3.6 reads as 0 to 255",
                          "convert it first (gdal_translate -ot Int16 would keep 209): gdal_calc.py -A '" + path +
                              "' --calc=\"A.astype(numpy.int16)-256*(A>127)\" --type=Int16 --outfile=signed16.tif");
  }
  first->GetBlockSize(&info.block_width, &info.block_height);
  double gt[6];
  if (dataset.GetGeoTransform(gt) == CE_None) {
    info.geotransform = core::GeoTransform{{gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]}};
  }
  if (const OGRSpatialReference* srs = dataset.GetSpatialRef()) {
    char* wkt = nullptr;
    if (srs->exportToWkt(&wkt) == OGRERR_NONE && wkt != nullptr) info.crs_wkt = wkt;
    CPLFree(wkt);
  }
  for (int b = 1; b <= info.band_count; ++b) {
    GDALRasterBand* band = dataset.GetRasterBand(b);
    int has_nodata = 0;
    const double value = nodata_value(*band, b, path, has_nodata);
    info.nodata.push_back(has_nodata ? std::optional<double>(value) : std::nullopt);
    if (band->GetColorInterpretation() == GCI_AlphaBand && info.alpha_band == 0) info.alpha_band = b;
  }
  info.gcp_count = dataset.GetGCPCount();
  info.palette = first->GetColorTable() != nullptr;
  info.masked = first->GetMaskFlags() == GMF_PER_DATASET;
  for (int b = 1; b <= info.band_count; ++b)
    info.band_masks = info.band_masks || dataset.GetRasterBand(b)->GetMaskFlags() == 0;
  info.truncated = truncation_of(dataset, path);
  return info;
}

std::string band_masks_warning(const SceneInfo& info) {
  if (!info.band_masks) return "";
  return "scene '" + info.path +
         "' has masks per band, which swath does not read (their pixels count as data); one mask for all bands "
         "(gdal_translate -mask 1) is read";
}

void require_whole(const SceneInfo& info) {
  if (info.truncated.empty()) return;
  throw core::DataError("scene '" + info.path + "'", "the file is truncated: " + info.truncated,
                        "copy or download it again whole; `gdalinfo -checksum` reads every block");
}

void require_real_pixels(const SceneInfo& info, const std::string& use) {
  if (!GDALDataTypeIsComplex(info.data_type)) return;
  throw core::DataError("scene '" + info.path + "'",
                        std::string("its pixels are complex (") + GDALGetDataTypeName(info.data_type) + "), and " +
                            use + " read real values: the real part alone, not the amplitude",
                        "make an amplitude scene first: gdal_calc.py -A '" + info.path +
                            "' --calc=\"numpy.abs(A)\" --type=Float32 --outfile=amplitude.tif");
}

void require_usable_geotransform(const SceneInfo& info) {
  if (!info.geotransform) return;
  const auto& c = info.geotransform->c;
  const bool finite = std::all_of(std::begin(c), std::end(c), [](double v) { return std::isfinite(v); });
  // A pixel's width and height: the lengths of its column and row steps on the map.
  const double width = std::hypot(c[1], c[4]), height = std::hypot(c[2], c[5]);
  if (finite && width > 0 && height > 0) return;
  throw core::DataError("scene '" + info.path + "'",
                        fmt::format("its geotransform ({}, {}, {}, {}, {}, {}) places no pixel on the map: {}", c[0],
                                    c[1], c[2], c[3], c[4], c[5],
                                    finite ? "a pixel of size " + fmt::format("{} × {}", width, height)
                                           : std::string("a term is not a number")),
                        "set the right one (`gdal_edit.py -a_ullr ULX ULY LRX LRY " + info.path +
                            "`), or remove it (`gdal_edit.py -unsetgt " + info.path +
                            "`) to work in pixel coordinates");
}

void require_north_up(const SceneInfo& info, const std::string& other_way) {
  require_usable_geotransform(info);
  if (!info.geotransform || info.geotransform->north_up()) return;
  const auto& c = info.geotransform->c;
  throw core::DataError(
      "scene '" + info.path + "'",
      fmt::format("its geotransform is rotated or sheared (rotation terms {} and {}), which swath does not support: "
                  "its windows, bounds and footprints are north-up boxes in map coordinates",
                  c[2], c[4]),
      "make it north-up first, e.g. `gdalwarp " + info.path + " north-up.tif`" +
          (other_way.empty() ? "" : ", " + other_way));
}

void require_on_earth(const SceneInfo& info) {
  if (!info.georeferenced()) return;
  OGRSpatialReference crs;
  if (crs.importFromWkt(info.crs_wkt.c_str()) != OGRERR_NONE || !crs.IsGeographic()) return;
  // A raster's geotransform is x = longitude, y = latitude whatever the CRS's axis order (GDAL's rasters use the
  // traditional GIS order).
  const auto& c = info.geotransform->c;
  const double width = static_cast<double>(info.width), height = static_cast<double>(info.height);
  double reach = 0;
  for (const double x : {0.0, width}) {
    for (const double y : {0.0, height}) reach = std::max(reach, std::abs(c[3] + x * c[4] + y * c[5]));
  }
  const double pixel = std::max(std::abs(c[5]), std::abs(c[4]));
  if (reach <= 90 + pixel) return;
  throw core::DataError("scene '" + info.path + "'",
                        fmt::format("its rows reach latitude {:.6g}°, past the pole (geographic CRS)", reach),
                        "check its geotransform (gdalinfo): a geographic scene spans latitudes -90 to 90");
}

bool keeps_no_georeferencing(const std::string& path) {
  const std::string extension = core::to_lower(std::filesystem::path(path).extension().string());
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".webp";
}

int bytes_per_sample(GDALDataType type) { return GDALGetDataTypeSizeBytes(type); }

}  // namespace swath::raster
