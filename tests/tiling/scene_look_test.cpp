// What a tile keeps of its scene besides pixels: a palette's colour table, nodata as a tile can declare it, and
// what a mask band decides.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "core/errors.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<GDALDataset> open(const std::string& path, bool update = false) {
  return std::unique_ptr<GDALDataset>(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | (update ? GDAL_OF_UPDATE : 0)));
}

}  // namespace

TEST_CASE("tile: a palette scene's tiles keep its colour table (GTiff, PNG)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "landcover.tif", {.width = 64, .height = 48, .bands = 1, .type = GDT_Byte, .pixel = [](int, int x, int) {
                                return x < 32 ? 1 : 2;
                              }});
  {
    auto dataset = open(scene, true);
    GDALColorTable table;
    const GDALColorEntry red{255, 0, 0, 255}, green{0, 128, 0, 255};
    table.SetColorEntry(1, &red);
    table.SetColorEntry(2, &green);
    REQUIRE(dataset->GetRasterBand(1)->SetColorTable(&table) == CE_None);
  }
  for (const auto format : {tiling::Format::jpeg, tiling::Format::webp}) {  // was: grey tiles of the index numbers
    auto options = test::tile_options(scene, dir / "lossy", 32);
    options.format = format;
    CHECK_THROWS_WITH_AS(tiling::tile_scenes(options), doctest::Contains("tiles cannot keep its colour table"),
                         core::DataError);
  }
  auto three = test::tile_options(scene, dir / "three", 32);
  three.bands = {1, 1, 1};
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(three), doctest::Contains("several bands"), core::DataError);
  for (const auto format : {tiling::Format::gtiff, tiling::Format::png}) {
    auto options = test::tile_options(scene, dir / ("out-" + tiling::format_name(format)), 32);
    options.format = format;
    tiling::tile_scenes(options);
    const auto tile = open(dir / ("out-" + tiling::format_name(format)) + "/landcover/r000000_c000001." +
                           tiling::file_extension(format));
    REQUIRE(tile != nullptr);
    const auto* table = tile->GetRasterBand(1)->GetColorTable();
    REQUIRE_MESSAGE(table != nullptr, tiling::format_name(format));  // was: none, the indices read as grey
    CHECK(table->GetColorEntry(2)->c2 == 128);
    CHECK(tile->GetRasterBand(1)->GetColorInterpretation() == GCI_PaletteIndex);
    const auto padded = open(dir / ("out-" + tiling::format_name(format)) + "/landcover/r000001_c000001." +
                             tiling::file_extension(format));  // rows 32-63 of 48
    REQUIRE(padded != nullptr);
    int has_nodata = 0;
    padded->GetRasterBand(1)->GetNoDataValue(&has_nodata);
    CHECK(has_nodata == 0);  // index 0 is a colour, not declared nodata (was: transparent in edge tiles only)
  }
}

TEST_CASE("tile: a nodata value the band's type cannot hold is no nodata: padding is 0 declared as nodata") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "nd.tif",
      {.width = 40, .height = 40, .bands = 1, .type = GDT_Byte, .pixel = [](int, int, int) { return 7; }});
  REQUIRE(open(scene, true)->GetRasterBand(1)->SetNoDataValue(-9999) == CE_None);
  SUBCASE("NaN, which no Byte pixel holds either") {
    REQUIRE(open(scene, true)->GetRasterBand(1)->SetNoDataValue(std::nan("")) == CE_None);
  }
  const auto report = tiling::tile_scenes(test::tile_options(scene, dir / "out", 32));
  CHECK(report.written == 4);
  const auto edge = open(dir / "out/nd/r000000_c000001.tif");
  int has_nodata = 0;
  const double nodata = edge->GetRasterBand(1)->GetNoDataValue(&has_nodata);
  CHECK(has_nodata == 1);
  CHECK(nodata == 0);  // was: -9999 declared over padding of 0, which read as data
  CHECK(test::pixel_at(*edge, 1, 31, 0) == 0);
  CHECK(test::pixel_at(*edge, 1, 0, 0) == 7);
}

TEST_CASE("tile: bands of different nodata values are refused for GTiff (one value per tile), kept in PNG") {
  test::ScratchDir dir;
  const auto rgb = test::make_scene(dir / "rgb.tif", {.width = 40, .height = 40, .bands = 3, .type = GDT_Byte});
  const std::string scene = dir / "rgb.vrt";  // a GeoTIFF holds one nodata value; a VRT one per band
  {
    const auto source = open(rgb);
    std::unique_ptr<GDALDataset> vrt(GetGDALDriverManager()->GetDriverByName("VRT")->CreateCopy(
        scene.c_str(), source.get(), FALSE, nullptr, nullptr, nullptr));
    REQUIRE(vrt != nullptr);
    for (int b = 1; b <= 3; ++b) REQUIRE(vrt->GetRasterBand(b)->SetNoDataValue(b) == CE_None);
  }
  auto options = test::tile_options(scene, dir / "out", 32);
  CHECK_THROWS_WITH_AS(tiling::tile_scenes(options),
                       doctest::Contains("its bands declare different nodata values (band 1 1, band 2 2)"),
                       core::DataError);  // was: every band declared 3, bands 1 and 2's padding read as data
  options.format = tiling::Format::png;
  options.output_dir = dir / "png";
  CHECK(tiling::tile_scenes(options).written == 4);
}

TEST_CASE("tile: GTiff tiles keep a band's scale, offset and unit (what its values mean); 8-bit PNG tiles do not") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "so.tif", {.width = 40, .height = 40, .bands = 1, .type = GDT_UInt16});
  {
    auto dataset = open(scene, true);
    auto* band = dataset->GetRasterBand(1);
    REQUIRE(band->SetScale(0.0001) == CE_None);
    REQUIRE(band->SetOffset(-0.1) == CE_None);
    REQUIRE(band->SetUnitType("reflectance") == CE_None);
  }
  tiling::tile_scenes(test::tile_options(scene, dir / "out", 32));
  const auto tile = open(dir / "out/so/r000000_c000000.tif");
  int has_scale = 0, has_offset = 0;
  CHECK(tile->GetRasterBand(1)->GetScale(&has_scale) == doctest::Approx(0.0001));  // was: none
  CHECK(tile->GetRasterBand(1)->GetOffset(&has_offset) == doctest::Approx(-0.1));
  CHECK(has_scale == 1);
  CHECK(std::string(tile->GetRasterBand(1)->GetUnitType()) == "reflectance");
  auto png = test::tile_options(scene, dir / "png", 32);
  png.format = tiling::Format::png;  // --scale maps the values to 8 bits: scale and offset would lie
  CHECK(tiling::tile_scenes(png).written == 4);
}

TEST_CASE("tile: a mask band (internal or .msk) marks blank tiles as alpha does, and is warned about") {
  test::ScratchDir dir;
  for (const char* internal : {"YES", "NO"}) {
    CAPTURE(internal);
    const auto scene = test::make_scene(dir / (std::string("masked_") + internal + ".tif"),
                                        {.width = 64, .height = 64, .bands = 3, .type = GDT_Byte});
    {
      CPLConfigOptionSetter where("GDAL_TIFF_INTERNAL_MASK", internal, false);
      auto dataset = open(scene, true);
      REQUIRE(dataset->CreateMaskBand(GMF_PER_DATASET) == CE_None);
      std::vector<std::uint8_t> mask(64 * 64);
      for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x) mask[static_cast<std::size_t>(y * 64 + x)] = y < 32 ? 255 : 0;
      REQUIRE(dataset->GetRasterBand(1)->GetMaskBand()->RasterIO(GF_Write, 0, 0, 64, 64, mask.data(), 64, 64, GDT_Byte,
                                                                 0, 0) == CE_None);
    }
    CHECK(fs::exists(scene + ".msk") == (std::string(internal) == "NO"));
    CHECK(open(scene)->GetRasterBand(1)->GetMaskFlags() == GMF_PER_DATASET);
    const auto out = dir / (std::string("out_") + internal);
    auto options = test::tile_options(scene, out, 32);
    options.skip_blank = 1;  // as `swath tile`'s default
    const auto report = tiling::tile_scenes(options);
    CHECK(report.written == 2);  // the masked-out bottom row of tiles is blank (was: 4 written)
    CHECK(report.blank == 2);
    const auto name = fs::path(scene).stem().string();
    CHECK(fs::exists(out + "/" + name + "/r000000_c000000.tif"));
    CHECK_FALSE(fs::exists(out + "/" + name + "/r000001_c000000.tif"));
    const auto top = open(out + "/" + name + "/r000000_c000000.tif");
    CHECK(test::pixel_at(*top, 2, 5, 7) == test::pixel_at(*open(scene), 2, 5, 7));  // the bands only, as read
    CHECK(top->GetRasterCount() == 3);
    REQUIRE(report.warnings.size() == 1);
    CHECK_MESSAGE(report.warnings.front().find("mask band") != std::string::npos, report.warnings.front());
  }
}

TEST_CASE("tile: a 64-bit integer band's nodata is declared exactly; one a double cannot hold is refused") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "i64.tif", {.width = 40, .height = 40, .bands = 1, .type = GDT_Int64, .pixel = [](int, int x, int) {
                          return x == 0 ? -9223372036854775808.0 : 5.0;
                        }});
  REQUIRE(open(scene, true)->GetRasterBand(1)->SetNoDataValueAsInt64(INT64_MIN) == CE_None);
  const auto report = tiling::tile_scenes(test::tile_options(scene, dir / "out", 32));
  CHECK(report.written == 4);
  const auto edge = open(dir / "out/i64/r000000_c000001.tif");
  int has_nodata = 0;
  CHECK(edge->GetRasterBand(1)->GetNoDataValueAsInt64(&has_nodata) == INT64_MIN);  // was -9 ("-9.22337e+18")
  CHECK(has_nodata == 1);
  REQUIRE(open(scene, true)->GetRasterBand(1)->SetNoDataValueAsInt64((std::int64_t{1} << 60) + 5) == CE_None);
  try {  // was: declared 1, padded with 2^60 (another pixel's value)
    (void)tiling::tile_scenes(test::tile_options(scene, dir / "out2", 32));
    FAIL("not refused");
  } catch (const core::DataError& e) {
    CHECK_MESSAGE(core::describe(e).find("1152921504606846981") != std::string::npos, core::describe(e));
  }
}

TEST_CASE("tile: a scene georeferenced by ground control points only is warned about as such, naming gdalwarp") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "gcp.tif", {.width = 40, .height = 40, .bands = 1, .type = GDT_Byte, .georeferenced = false});
  {
    auto dataset = open(scene, true);
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    GDAL_GCP gcps[3];
    GDALInitGCPs(3, gcps);
    const double at[3][4] = {{0, 0, 10, 50}, {40, 0, 10.1, 50}, {0, 40, 10, 49.9}};
    for (int i = 0; i < 3; ++i) {
      gcps[i].dfGCPPixel = at[i][0], gcps[i].dfGCPLine = at[i][1], gcps[i].dfGCPX = at[i][2], gcps[i].dfGCPY = at[i][3];
    }
    REQUIRE(dataset->SetGCPs(3, gcps, &wgs84) == CE_None);
    GDALDeinitGCPs(3, gcps);
  }
  const auto report = tiling::tile_scenes(test::tile_options(scene, dir / "out", 32));
  REQUIRE(report.warnings.size() == 1);
  CHECK_MESSAGE(report.warnings.front().find("only ground control points") != std::string::npos,
                report.warnings.front());  // was: "has no georeferencing"
  CHECK(report.warnings.front().find("gdalwarp") != std::string::npos);
}

TEST_CASE("tile: masks per band, which swath does not read, are warned about") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "per_band.tif", {.width = 40, .height = 40, .bands = 2, .type = GDT_Byte});
  {
    CPLConfigOptionSetter where("GDAL_TIFF_INTERNAL_MASK", "NO", false);
    auto dataset = open(scene, true);
    REQUIRE(dataset->GetRasterBand(1)->CreateMaskBand(0) == CE_None);
  }
  REQUIRE(open(scene)->GetRasterBand(1)->GetMaskFlags() == 0);
  const auto report = tiling::tile_scenes(test::tile_options(scene, dir / "out", 32));
  CHECK(report.written == 4);
  REQUIRE(report.warnings.size() == 1);  // was: none, the mask silently ignored
  CHECK_MESSAGE(report.warnings.front().find("masks per band") != std::string::npos, report.warnings.front());
}
