// Scene opening and window reads on real GDAL files in /vsimem/: exact pixels, padding, errors.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <oneapi/tbb/parallel_for.h>

#include <cstring>

#include "core/errors.hpp"
#include "raster/scene.hpp"
#include "raster/window_reader.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {
// A 3-band uint16 GeoTIFF whose pixel (x, y) of band b is b*10000 + y*100 + x (for small scenes).
std::string make_scene(const std::string& path, int width, int height) {
  auto* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  GDALDatasetUniquePtr ds(driver->Create(path.c_str(), width, height, 3, GDT_UInt16, nullptr));
  double gt[6] = {500000, 10, 0, 4000000, 0, -10};
  ds->SetGeoTransform(gt);
  OGRSpatialReference srs;
  srs.importFromEPSG(32618);
  ds->SetSpatialRef(&srs);
  std::vector<std::uint16_t> row(static_cast<std::size_t>(width));
  for (int b = 1; b <= 3; ++b) {
    ds->GetRasterBand(b)->SetNoDataValue(0);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x)
        row[static_cast<std::size_t>(x)] = static_cast<std::uint16_t>(b * 10000 + y * 100 + x);
      CHECK(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, y, width, 1, row.data(), width, 1, GDT_UInt16, 0, 0) ==
            CE_None);
    }
  }
  return path;
}
}  // namespace

TEST_CASE("raster: describe a georeferenced scene") {
  const auto path = make_scene("/vsimem/describe.tif", 40, 30);
  auto ds = raster::open_scene(path);
  const auto info = raster::describe_scene(*ds, path);
  CHECK(info.width == 40);
  CHECK(info.height == 30);
  CHECK(info.band_count == 3);
  CHECK(info.data_type == GDT_UInt16);
  CHECK(info.georeferenced());
  CHECK(info.nodata[1] == std::optional<double>(0));
  VSIUnlink(path.c_str());
}

TEST_CASE("raster: windows are exact copies, padding gets the fill value, from many threads") {
  const auto path = make_scene("/vsimem/read.tif", 60, 50);
  auto ds = raster::open_scene(path);
  const raster::WindowReader reader(path, raster::describe_scene(*ds, path));
  tbb::parallel_for(0, 16, [&](int i) {
    const core::Window w{i * 5, i * 3, 20, 20};  // the later ones reach past the edges
    const auto block = reader.read(w, {3, 1}, GDT_UInt16, {7, 7});
    const auto* band0 = reinterpret_cast<const std::uint16_t*>(block.band_data(0));
    const auto* band1 = reinterpret_cast<const std::uint16_t*>(block.band_data(1));
    for (int y = 0; y < 20; ++y) {
      for (int x = 0; x < 20; ++x) {
        const auto sx = w.x + x, sy = w.y + y;
        const bool inside = sx < 60 && sy < 50;
        const auto at = static_cast<std::size_t>(y * 20 + x);
        CHECK(band0[at] == (inside ? 30000 + sy * 100 + sx : 7));
        CHECK(band1[at] == (inside ? 10000 + sy * 100 + sx : 7));
      }
    }
  });
  VSIUnlink(path.c_str());
}

TEST_CASE("raster: a missing file and a non-raster are IoErrors that say which") {
  CHECK_THROWS_WITH_AS(raster::open_scene("/nonexistent/a.tif"), "cannot open '/nonexistent/a.tif': no such file",
                       core::IoError);
  test::ScratchDir dir;
  CHECK_THROWS_WITH_AS(raster::open_scene(dir.path()),
                       ("cannot open '" + dir.path() + "': a directory, not a raster").c_str(), core::IoError);
  test::write_text(dir / "notes.txt", "not a raster at all\n");
  try {
    raster::open_scene(dir / "notes.txt");
    FAIL("expected IoError");
  } catch (const core::IoError& e) {
    CHECK(std::string(e.what()).find("not a raster GDAL can read") != std::string::npos);
    CHECK_FALSE(e.hint().empty());
  }
}

TEST_CASE("raster: a pixel-interleaved read holds the same samples, padding included") {
  const auto path = make_scene("/vsimem/interleaved.tif", 30, 20);
  auto ds = raster::open_scene(path);
  const raster::WindowReader reader(path, raster::describe_scene(*ds, path));
  const core::Window w{20, 10, 16, 16};
  const auto sequential = reader.read(w, {2, 3}, GDT_UInt16, {5, 6});
  const auto interleaved = reader.read(w, {2, 3}, GDT_UInt16, {5, 6}, raster::Layout::pixel_interleaved);
  CHECK(interleaved.pixel_space() == 4);
  int mismatches = 0;
  for (std::size_t b = 0; b < 2; ++b) {
    for (std::int64_t y = 0; y < 16; ++y) {
      for (std::int64_t x = 0; x < 16; ++x) {
        std::uint16_t a = 0, c = 0;
        std::memcpy(&a, sequential.sample_at(b, y) + x * 2, 2);
        std::memcpy(&c, interleaved.sample_at(b, y) + x * 4, 2);
        if (a != c) ++mismatches;
      }
    }
  }
  CHECK(mismatches == 0);
  std::uint16_t corner = 0;
  std::memcpy(&corner, interleaved.sample_at(1, 15) + 15 * 4, 2);
  CHECK(corner == 6);  // outside the scene: band 3's fill
  VSIUnlink(path.c_str());
}

TEST_CASE("raster: a scene's mask band reads as band mask_band (0 or 255), beside its bands, in either layout") {
  test::ScratchDir dir;
  const auto path = make_scene(dir / "masked.tif", 40, 30);
  {
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(ds->CreateMaskBand(GMF_PER_DATASET) == CE_None);
    std::vector<std::uint8_t> mask(40 * 30);
    for (int y = 0; y < 30; ++y)
      for (int x = 0; x < 40; ++x) mask[static_cast<std::size_t>(y * 40 + x)] = x < 25 ? 255 : 0;
    REQUIRE(ds->GetRasterBand(1)->GetMaskBand()->RasterIO(GF_Write, 0, 0, 40, 30, mask.data(), 40, 30, GDT_Byte, 0,
                                                          0) == CE_None);
  }
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER));
  const auto info = raster::describe_scene(*ds, path);
  CHECK(info.masked);
  const raster::WindowReader reader(path, info);
  for (const auto layout : {raster::Layout::band_sequential, raster::Layout::pixel_interleaved}) {
    CAPTURE(static_cast<int>(layout));
    const auto block = reader.read({20, 10, 16, 8}, {2, raster::mask_band}, GDT_Float32, {7, 1}, layout);
    for (std::int64_t y = 0; y < 8; ++y) {
      for (std::int64_t x = 0; x < 16; ++x) {
        const auto* band = reinterpret_cast<const float*>(block.sample_at(0, y)) + x * (block.pixel_space() / 4);
        const auto* mask = reinterpret_cast<const float*>(block.sample_at(1, y)) + x * (block.pixel_space() / 4);
        const std::int64_t sx = 20 + x, sy = 10 + y;
        CHECK(*band == static_cast<float>(sx < 40 ? 20000 + sy * 100 + sx : 7));  // padding: the fill
        CHECK(*mask == static_cast<float>(sx < 25 ? 255 : sx < 40 ? 0 : 1));
      }
    }
  }
  CHECK_FALSE(raster::describe_scene(
                  *GDALDatasetUniquePtr(GDALDataset::Open(make_scene(dir / "plain.tif", 8, 8).c_str(), GDAL_OF_RASTER)),
                  dir / "plain.tif")
                  .masked);  // nodata 0 is no mask band
}
