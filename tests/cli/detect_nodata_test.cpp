// Detectors and the scene's no-data: nothing is found on nodata or transparent pixels, and each scene of a run
// is detected with its own nodata.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

enum class Mask { nodata, alpha, float_nan, float_9999, mask_band };

// `source` with its right half marked as no data (zeros declared nodata, an alpha band or a mask band at 0 there), its
// geotransform moved `shift_x` map units east.
std::string masked_copy(const std::string& source, const std::string& path, Mask mask, double shift_x = 0) {
  GDALDatasetUniquePtr in(GDALDataset::Open(source.c_str(), GDAL_OF_RASTER));
  REQUIRE(in);
  const int w = in->GetRasterXSize(), h = in->GetRasterYSize(), bands = in->GetRasterCount();
  const bool to_float = mask == Mask::float_nan || mask == Mask::float_9999;
  const double fill = mask == Mask::float_nan ? std::nan("") : mask == Mask::float_9999 ? -9999 : 0;
  const GDALDataType type = to_float ? GDT_Float32 : in->GetRasterBand(1)->GetRasterDataType();
  GDALDatasetUniquePtr out(GetGDALDriverManager()->GetDriverByName("GTiff")->Create(
      path.c_str(), w, h, bands + (mask == Mask::alpha ? 1 : 0), type, nullptr));
  REQUIRE(out);
  double gt[6];
  REQUIRE(in->GetGeoTransform(gt) == CE_None);
  gt[0] += shift_x;
  out->SetGeoTransform(gt);
  out->SetSpatialRef(in->GetSpatialRef());
  std::vector<double> row(static_cast<std::size_t>(w));
  for (int b = 1; b <= bands; ++b) {
    for (int y = 0; y < h; ++y) {
      REQUIRE(in->GetRasterBand(b)->RasterIO(GF_Read, 0, y, w, 1, row.data(), w, 1, GDT_Float64, 0, 0) == CE_None);
      if (mask != Mask::alpha && mask != Mask::mask_band) std::fill(row.begin() + w / 2, row.end(), fill);
      REQUIRE(out->GetRasterBand(b)->RasterIO(GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Float64, 0, 0) == CE_None);
    }
    if (mask != Mask::alpha && mask != Mask::mask_band) out->GetRasterBand(b)->SetNoDataValue(fill);
  }
  if (mask == Mask::mask_band) {
    REQUIRE(out->CreateMaskBand(GMF_PER_DATASET) == CE_None);
    for (int x = 0; x < w; ++x) row[static_cast<std::size_t>(x)] = x < w / 2 ? 255 : 0;
    for (int y = 0; y < h; ++y) {
      REQUIRE(out->GetRasterBand(1)->GetMaskBand()->RasterIO(GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Float64, 0,
                                                             0) == CE_None);
    }
  }
  if (mask == Mask::alpha) {
    auto* alpha = out->GetRasterBand(bands + 1);
    alpha->SetColorInterpretation(GCI_AlphaBand);
    for (int x = 0; x < w; ++x) row[static_cast<std::size_t>(x)] = x < w / 2 ? 255 : 0;
    for (int y = 0; y < h; ++y)
      REQUIRE(alpha->RasterIO(GF_Write, 0, y, w, 1, row.data(), w, 1, GDT_Float64, 0, 0) == CE_None);
  }
  return path;
}

struct Found {
  double x = 0;  // centroid, map units
  double score = 0;
};

std::vector<Found> found(const std::string& path) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR));
  REQUIRE(ds);
  std::vector<Found> out;
  for (auto& feature : ds->GetLayer(0)) {
    OGRPoint centre;
    REQUIRE(feature->GetGeometryRef()->Centroid(&centre) == OGRERR_NONE);
    out.push_back({centre.getX(), feature->GetFieldAsDouble("score")});
  }
  return out;
}

double west_edge(const std::string& scene, double fraction) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER));
  double gt[6];
  REQUIRE(ds->GetGeoTransform(gt) == CE_None);
  return gt[0] + gt[1] * ds->GetRasterXSize() * fraction;
}

std::size_t east_of(const std::vector<Found>& all, double x) {
  return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const Found& f) { return f.x >= x; }));
}

}  // namespace

TEST_CASE("detect nodata: the onnx detector finds nothing on nodata, transparent or masked pixels") {
  test::ScratchDir dir;
  const std::string scene = dir / "s.tif";
  REQUIRE(test::swath({"synth", "--kind", "optical", "--size", "512x512", "--seed", "4", "-o", scene}).exit_code == 0);
  const std::string model = std::string(SWATH_SOURCE_DIR) + "/models/vehicles.yaml";
  const double middle = west_edge(scene, 0.5);
  const auto detect = [&](const std::string& input, const std::string& output) {
    const auto r = test::swath({"detect", input, "--detector", "onnx", "--model", model, "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return found(output);
  };
  const auto whole = detect(scene, dir / "whole.gpkg");
  REQUIRE(east_of(whole, middle) > 0);                                    // vehicles in the half that is masked below
  for (const auto mask : {Mask::nodata, Mask::alpha, Mask::mask_band}) {  // mask band: was found there
    CAPTURE(static_cast<int>(mask));
    const auto masked = detect(masked_copy(scene, dir / "masked.tif", mask), dir / "masked.gpkg");
    CHECK(east_of(masked, middle) == 0);
    CHECK(masked.size() > 0);  // the other half is still looked at
  }
}

TEST_CASE("detect nodata: each scene of a run is detected with its own nodata, whatever the order") {
  test::ScratchDir dir;
  const std::string scene = dir / "s.tif";
  REQUIRE(test::swath({"synth", "--size", "1024x1024", "--seed", "3", "-o", scene}).exit_code == 0);
  const auto half = masked_copy(scene, dir / "half.tif", Mask::nodata);
  // Without nodata, 100 km east: its detections cannot merge with the first scene's.
  const auto other = masked_copy(scene, dir / "other.tif", Mask::alpha, 100000);
  const auto detect = [&](std::vector<std::string> inputs, const std::string& output) {
    std::vector<std::string> args{"detect"};
    args.insert(args.end(), inputs.begin(), inputs.end());
    args.insert(args.end(), {"-o", output});
    const auto r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return found(output);
  };
  const auto alone = detect({half}, dir / "alone.gpkg");
  REQUIRE(!alone.empty());
  const double boundary = west_edge(other, 0);
  for (const auto& order : {std::vector<std::string>{half, other}, std::vector<std::string>{other, half}}) {
    std::vector<double> together;
    for (const auto& f : detect(order, dir / "both.gpkg")) {
      if (f.x < boundary) together.push_back(f.score);
    }
    std::vector<double> expected;
    for (const auto& f : alone) expected.push_back(f.score);
    CHECK(together == expected);
  }
}

TEST_CASE("detect nodata: a NaN nodata is no data to cfar, as -9999 is") {
  test::ScratchDir dir;
  const std::string scene = dir / "s.tif";
  REQUIRE(test::swath({"synth", "--size", "1024x1024", "--seed", "3", "-o", scene}).exit_code == 0);
  const auto detect = [&](const std::string& input, const std::string& output) {
    const auto r = test::swath({"detect", input, "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::vector<double> scores;
    for (const auto& f : found(output)) scores.push_back(f.score);
    return scores;
  };
  const auto with_9999 = detect(masked_copy(scene, dir / "m.tif", Mask::float_9999), dir / "m.gpkg");
  REQUIRE(!with_9999.empty());
  CHECK(detect(masked_copy(scene, dir / "n.tif", Mask::float_nan), dir / "n.gpkg") == with_9999);
}

TEST_CASE("detect nodata: the index detector outlines no region on transparent or masked pixels") {
  test::ScratchDir dir;
  const std::string scene = dir / "s.tif";
  REQUIRE(test::swath({"synth", "--kind", "optical", "--bands", "4", "--size", "1024x512", "--seed", "2", "-o", scene})
              .exit_code == 0);
  const double middle = west_edge(scene, 0.5);
  const auto detect = [&](const std::string& input, const std::string& output) {
    // The copy keeps no band names: they are given.
    const auto r = test::swath(
        {"detect", input, "--detector", "index", "--index", "ndwi", "--index-bands", "green=2,nir=4", "-o", output});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return found(output);
  };
  REQUIRE(east_of(detect(scene, dir / "whole.gpkg"), middle) > 0);
  for (const auto mask : {Mask::alpha, Mask::mask_band}) {
    CAPTURE(static_cast<int>(mask));
    const auto masked = detect(masked_copy(scene, dir / "masked.tif", mask), dir / "masked.gpkg");
    CHECK(east_of(masked, middle) == 0);
  }
}
