// make_scene: a GTiff with a formula for every pixel, so tests can check tiles pixel by pixel.
#include "support/rasters.hpp"

#include <ogr_spatialref.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>

namespace swath::test {

std::string make_scene(const std::string& path, const SceneSpec& spec) {
  auto* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  std::vector<const char*> options;
  for (const auto& o : spec.creation_options) options.push_back(o.c_str());
  options.push_back(nullptr);
  GDALDatasetUniquePtr ds(
      driver->Create(path.c_str(), spec.width, spec.height, spec.bands, spec.type, const_cast<char**>(options.data())));
  if (!ds) throw std::runtime_error("cannot create " + path);
  if (spec.georeferenced) {
    double gt[6];
    std::copy(std::begin(scene_geotransform), std::end(scene_geotransform), gt);
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(32618);
    ds->SetSpatialRef(&srs);
  }
  std::vector<double> row(static_cast<std::size_t>(spec.width));
  for (int b = 1; b <= spec.bands; ++b) {
    auto* band = ds->GetRasterBand(b);
    if (spec.nodata) band->SetNoDataValue(*spec.nodata);
    if (b == spec.alpha_band) band->SetColorInterpretation(GCI_AlphaBand);
    for (int y = 0; y < spec.height; ++y) {
      for (int x = 0; x < spec.width; ++x) row[static_cast<std::size_t>(x)] = spec.pixel(b, x, y);
      if (band->RasterIO(GF_Write, 0, y, spec.width, 1, row.data(), spec.width, 1, GDT_Float64, 0, 0) != CE_None) {
        throw std::runtime_error("cannot write " + path);
      }
    }
  }
  return path;
}

double pixel_at(GDALDataset& dataset, int band, int x, int y) {
  double value = 0;
  if (dataset.GetRasterBand(band)->RasterIO(GF_Read, x, y, 1, 1, &value, 1, 1, GDT_Float64, 0, 0) != CE_None) {
    throw std::runtime_error("cannot read a pixel");
  }
  return value;
}

std::vector<double> read_band(GDALDataset& dataset, int band) {
  const int w = dataset.GetRasterXSize(), h = dataset.GetRasterYSize();
  std::vector<double> values(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
  if (dataset.GetRasterBand(band)->RasterIO(GF_Read, 0, 0, w, h, values.data(), w, h, GDT_Float64, 0, 0) != CE_None) {
    throw std::runtime_error("cannot read a band");
  }
  return values;
}

void corrupt_block(const std::string& path, int bx, int by) {
  std::uint64_t offset = 0, size = 0;
  {
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER));
    auto* band = ds->GetRasterBand(1);
    const std::string suffix = std::to_string(bx) + "_" + std::to_string(by);
    const char* o = band->GetMetadataItem(("BLOCK_OFFSET_" + suffix).c_str(), "TIFF");
    const char* s = band->GetMetadataItem(("BLOCK_SIZE_" + suffix).c_str(), "TIFF");
    if (o == nullptr || s == nullptr) throw std::runtime_error("no block offset for " + suffix);
    offset = std::stoull(o);
    size = std::stoull(s);
  }
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(offset));
  const std::string garbage(size, '\xff');
  file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  if (!file) throw std::runtime_error("cannot corrupt " + path);
}

}  // namespace swath::test
