// End to end: a scene in a local (engineering) CRS — a site grid, a lab bench — is detected in it and scored in it;
// GeoJSON, which is WGS84, is refused before any window is read.
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <filesystem>
#include <memory>

#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;

TEST_CASE("cli: a scene in a local CRS is detected and scored in that CRS; GeoJSON output is refused up front") {
  test::ScratchDir dir;
  const auto scene = dir / "site.tif";
  REQUIRE(test::swath({"synth", "-o", scene, "--size", "512x512", "--objects", "6"}).exit_code == 0);
  {
    const std::unique_ptr<GDALDataset> dataset(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset != nullptr);
    REQUIRE(dataset->SetProjection(R"(LOCAL_CS["site grid",UNIT["metre",1]])") == CE_None);
  }
  auto r = test::swath({"detect", scene, "-o", dir / "found.gpkg", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(core::Json::parse(r.out).at("detections").as_int() > 0);
  // Was: exit 1, "no transformation from its CRS ('site grid')": taken for lon/lat and sent to a UTM zone.
  r = test::swath({"eval", dir / "found.gpkg", dir / "found.gpkg", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("recall").as_double() == 1.0);
  // Was: every window detected, then exit 1 writing the GeoJSON.
  r = test::swath({"detect", scene, "-o", dir / "found.geojson"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("GeoJSON is WGS84 and scene '" + scene + "' has a CRS PROJ cannot take there") != std::string::npos,
      r.err);
  CHECK(r.err.find("windows of") == std::string::npos);  // refused before the first
  CHECK_FALSE(std::filesystem::exists(dir / "found.geojson"));
}
