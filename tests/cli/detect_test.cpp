// End to end: synth → detect → eval through the binary; determinism across threads; bad inputs.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogrsf_frmts.h>

#include <algorithm>

#include <filesystem>
#include <fstream>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {
const std::string kTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

test::RunResult swath_traced(const std::vector<std::string>& args) {
  return test::swath(args, {.env = {{"TRACEPARENT", kTrace}}});
}

std::string synth(const test::ScratchDir& dir, const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"synth", "-o", dir / name};
  if (std::find(extra.begin(), extra.end(), "--size") == extra.end())
    extra.insert(extra.end(), {"--size", "1024x1024"});
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = test::swath(args);
  REQUIRE(r.exit_code == 0);
  return dir / name;
}

core::Json eval_json(const std::string& detections, const std::string& truth) {
  const auto r = test::swath({"eval", detections, truth, "--json"});
  REQUIRE(r.exit_code == 0);
  return core::Json::parse(r.out);
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

TEST_CASE("detect: synth → cfar → eval finds the ships, with a quicklook") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "sea.tif", {"--seed", "3"});
  const auto r = test::swath({"detect", scene, "-o", dir / "ships.gpkg", "--quicklook", dir / "ships.png", "--json"});
  REQUIRE(r.exit_code == 0);
  const auto report = core::Json::parse(r.out);
  CHECK(report.at("windows").as_int() == 9);  // 1024 px, windows of 512 with 64 overlap: 3 × 3
  const auto scores = eval_json(dir / "ships.gpkg", dir / "sea.truth.geojson");
  CHECK(scores.at("f1").as_double() > 0.85);
  CHECK(scores.at("classes").at("ship").at("recall").as_double() > 0.85);
  auto png = GDALDatasetUniquePtr(GDALDataset::Open((dir / "ships.png").c_str(), GDAL_OF_RASTER));
  REQUIRE(png);
  CHECK(png->GetRasterXSize() == 1024);
  CHECK(png->GetRasterCount() == 3);
}

TEST_CASE("detect: every object across a window edge is still reported once") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "edges.tif", {"--seed", "11", "--straddle", "256", "--straddle-overlap", "64"});
  REQUIRE(swath_traced({"detect", scene, "-o", dir / "d.geojson", "--window", "256", "--overlap", "64"}).exit_code ==
          0);
  const auto scores = eval_json(dir / "d.geojson", dir / "edges.truth.geojson");
  CHECK(scores.at("overall").at("duplicates").as_int() == 0);
  CHECK(scores.at("recall").as_double() > 0.85);
  // Without overlap the windows' reads abut: the pieces of a cut ship meet at the seam and are joined there.
  REQUIRE(swath_traced({"detect", scene, "-o", dir / "cut.geojson", "--window", "256", "--overlap", "0"}).exit_code ==
          0);
  const auto abutting = eval_json(dir / "cut.geojson", dir / "edges.truth.geojson");
  CHECK(abutting.at("overall").at("duplicates").as_int() == 0);
  CHECK(abutting.at("overall").at("false_positives").as_int() < 8);
  CHECK(abutting.at("recall").as_double() > 0.85);
}

TEST_CASE("detect: identical bytes for 1 and 2 threads in every format") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "5"});
  for (const std::string ext : {"gpkg", "fgb", "geojson"}) {
    CAPTURE(ext);
    REQUIRE(swath_traced({"detect", scene, "-o", dir / ("one." + ext), "--threads", "1"}).exit_code == 0);
    REQUIRE(
        swath_traced({"detect", scene, "-o", dir / ("two." + ext), "--threads", "2", "--window", "512"}).exit_code ==
        0);
    CHECK(core::read_file(dir / ("one." + ext)) == core::read_file(dir / ("two." + ext)));
  }
  const auto geojson = core::Json::parse(core::read_file(dir / "one.geojson"));
  const auto& first = geojson.at("features").as_array().at(0).at("properties");
  CHECK(first.at("detector").as_string() == "cfar");
  CHECK(first.at("trace_id").as_string() == "0af7651916cd43dd8448eb211c80319c");
  CHECK(first.at("window").as_string().rfind("r0000", 0) == 0);
  CHECK(geojson.at("swath").at("provenance").at("options_hash").as_string().rfind("sha256:", 0) == 0);
  // What it was found in: the scene's content, so a file says which bytes it came from.
  const auto& inputs = geojson.at("swath").at("inputs");
  CHECK(inputs.at("count").as_int() == 1);
  CHECK(inputs.at("sha256").as_string().size() == 64);
  CHECK(inputs.at("list").as_array().at(0).at("scene").as_string() == scene);
  CHECK(inputs.at("list").as_array().at(0).at("fingerprint").as_string() == raster::file_fingerprint(scene));
  // RFC 7946: closed exterior rings, counter-clockwise, longitude first.
  for (const auto& feature : geojson.at("features").as_array()) {
    const auto& ring = feature.at("geometry").at("coordinates").as_array().at(0).as_array();
    REQUIRE(ring.size() >= 4);
    CHECK(ring.front() == ring.back());
    double twice_area = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      const auto& a = ring[i].as_array();
      const auto& b = ring[i + 1].as_array();
      twice_area += a[0].as_double() * b[1].as_double() - b[0].as_double() * a[1].as_double();
      CHECK(a[0].as_double() > 3.0);  // the synth scenes lie near 4° E, 52° N
      CHECK(a[1].as_double() > 51.0);
    }
    CHECK(twice_area > 0);
  }
  CHECK(core::read_file(dir / "one.gpkg").find("options_hash") != std::string::npos);
}

TEST_CASE("detect: a tiles.jsonl manifest is read tile by tile") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "3"});
  std::string manifest = "{\"schema\":\"swath.tiles/1\",\"scenes\":[]}\n";
  for (int i = 0; i < 2; ++i) {
    const auto tile = dir / ("t" + std::to_string(i) + ".tif");
    const auto r =
        test::run({"gdal_translate", "-q", "-srcwin", std::to_string(i * 512), "0", "512", "512", scene, tile});
    REQUIRE(r.exit_code == 0);
    manifest += "{\"id\":\"r000000_c00000" + std::to_string(i) +
                "\",\"scene\":\"s.tif\",\"status\":\"written\",\"path\":\"t" + std::to_string(i) + ".tif\"}\n";
  }
  manifest += "{\"id\":\"r000000_c000002\",\"scene\":\"s.tif\",\"status\":\"blank\"}\n";
  test::write_text(dir / "tiles.jsonl", manifest);
  const auto r = test::swath({"detect", dir / "tiles.jsonl", "-o", dir / "d.geojson", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("scenes").as_int() == 1);  // two tiles of one scene (was: 2 scenes)
  CHECK(core::Json::parse(r.out).at("tiles").as_int() == 2);
  const auto features = core::Json::parse(core::read_file(dir / "d.geojson")).at("features").as_array();
  REQUIRE(features.size() > 3);
  CHECK(features[0].at("properties").at("window").as_string().rfind("r000000_c00000", 0) == 0);
  CHECK(features[0].at("properties").at("scene").as_string() == "s.tif");
  test::write_text(dir / "bad.jsonl", "{\"id\":\"x\"}\n");
  const auto bad = test::swath({"detect", dir / "bad.jsonl", "-o", dir / "bad.gpkg"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find(".jsonl:1: no \"path\"") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "bad.gpkg"));

  // A tile that failed when tiled was not examined: the run is partial (exit 3) and the output says so.
  const std::string failed =
      "{\"id\":\"r000001_c000000\",\"scene\":\"s.tif\",\"status\":\"failed\",\"error\":\"cannot read window\"}\n";
  test::write_text(dir / "part.jsonl", manifest + failed);
  const auto part = test::swath({"detect", dir / "part.jsonl", "-o", dir / "part.geojson", "--json"});
  CHECK(part.exit_code == 3);
  const auto not_examined = "s.tif r000001_c000000: not examined: the tile failed when tiled (cannot read window)";
  CHECK(core::Json::parse(part.out).at("failed_windows").as_array().at(0).as_string() == not_examined);
  const auto about = core::Json::parse(core::read_file(dir / "part.geojson")).at("swath");
  CHECK(about.at("failed_windows").as_array().size() == 1);
  CHECK(core::Json::parse(core::read_file(dir / "part.geojson")).at("features").as_array().size() == features.size());

  // A listed tile whose file is gone is not examined either, as a damaged one (was exit 1, nothing written).
  const std::string gone =
      "{\"id\":\"r000001_c000001\",\"scene\":\"s.tif\",\"status\":\"written\",\"path\":\"gone.tif\"}\n";
  test::write_text(dir / "gone.jsonl", manifest + gone);
  const auto missing = test::swath({"detect", dir / "gone.jsonl", "-o", dir / "gone.geojson", "--json"});
  CHECK(missing.exit_code == 3);
  CHECK_MESSAGE(core::Json::parse(missing.out)
                        .at("failed_windows")
                        .as_array()
                        .at(0)
                        .as_string()
                        .rfind("s.tif r000001_c000001: not examined: cannot open '" + dir / "gone.tif", 0) == 0,
                missing.out);
  CHECK(core::Json::parse(core::read_file(dir / "gone.geojson")).at("features").as_array().size() == features.size());

  // Nothing to read at all (only blank tiles, or only failed ones): exit 1, nothing written (was a crash).
  const std::string header = "{\"schema\":\"swath.tiles/1\",\"scenes\":[]}\n";
  test::write_text(dir / "blank.jsonl", header + "{\"id\":\"r0\",\"scene\":\"s.tif\",\"status\":\"blank\"}\n");
  test::write_text(dir / "failed.jsonl", header + failed);
  for (const std::string name : {"blank", "failed"}) {
    CAPTURE(name);
    const auto none = test::swath({"detect", dir / (name + ".jsonl"), "-o", dir / (name + ".gpkg")});
    CHECK(none.exit_code == 1);
    CHECK(none.err.find("swath detect: nothing to detect in '" + dir / (name + ".jsonl") + "': ") != std::string::npos);
    CHECK(none.err.find(name == "blank" ? "no tile with a file is listed"
                                        : "no tile listed could be read; the first: ") != std::string::npos);
    CHECK(none.err.find(name == "blank" ? "--skip-blank 0" : "--resume remakes failed tiles") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / (name + ".gpkg")));
  }
}

TEST_CASE("detect: an output extension no driver handles is refused before any work") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif");
  const auto before = files_in(dir.path());
  const auto r = test::swath({"detect", scene, "-o", dir / "out.shp"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no vector driver handles the extension '.shp'") != std::string::npos);
  CHECK(files_in(dir.path()) == before);
}

TEST_CASE("detect: a flag another detector reads, and --check-model with scenes, are refused, not ignored") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--size", "256x256"});
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--model", "card.yaml"}, "--model card.yaml: it is read by the onnx detector, and this run uses cfar"},
      {{"--index", "ndvi"}, "--index ndvi: it is read by the index detector, and this run uses cfar"},
      {{"--detector", "index", "--pfa", "1e-6"}, "it is read by the cfar detector, and this run uses index"},
      {{"--check-model", "card.yaml"}, "--check-model with scenes or -o: it checks a model card alone"},
  };
  for (const auto& [extra, message] : cases) {
    std::vector<std::string> args{"detect", scene, "-o", dir / "d.gpkg"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
    CHECK_FALSE(fs::exists(dir / "d.gpkg"));
  }
  // From the config file it is a setting for when that detector runs: no refusal.
  test::write_text(dir / "c.yaml", "detect:\n  model: card.yaml\n");
  CHECK(test::swath({"--config", dir / "c.yaml", "detect", scene, "-o", dir / "d.gpkg"}).exit_code == 0);
}

TEST_CASE("detect: a window under 32 pixels is refused, from a flag or the environment") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--size", "256x256"});
  auto r = test::swath({"detect", scene, "-o", dir / "w.gpkg", "--window", "1"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("flag --window: window 1: a detection window of under 32 pixels holds no object") != std::string::npos,
      r.err);
  r = test::swath({"detect", scene, "-o", dir / "w.gpkg"}, {.env = {{"SWATH_DETECT__WINDOW", "31"}}});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("env SWATH_DETECT__WINDOW: window 31") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "w.gpkg"));
  CHECK(test::swath({"detect", scene, "-o", dir / "w.gpkg", "--window", "32", "--overlap", "8"}).exit_code == 0);
}

TEST_CASE("detect: a scene without a CRS is refused unless --allow-pixel-coords, then said loudly") {
  test::ScratchDir dir;
  {
    // The same sea without georeferencing.
    const auto scene = synth(dir, "s.tif", {"--seed", "3", "--size", "512x512"});
    GDALDatasetUniquePtr source(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER));
    GDALDatasetUniquePtr plain(GetGDALDriverManager()->GetDriverByName("GTiff")->Create(
        (dir / "plain.tif").c_str(), 512, 512, 1, GDT_UInt16, nullptr));
    std::vector<std::uint16_t> pixels(512 * 512);
    REQUIRE(source->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, 512, 512, pixels.data(), 512, 512, GDT_UInt16, 0, 0) ==
            CE_None);
    REQUIRE(plain->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, 512, 512, pixels.data(), 512, 512, GDT_UInt16, 0, 0) ==
            CE_None);
  }
  const auto refused = test::swath({"detect", dir / "plain.tif", "-o", dir / "d.gpkg"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("has no CRS or geotransform") != std::string::npos);
  CHECK(refused.err.find("--allow-pixel-coords") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "d.gpkg"));
  const auto allowed = test::swath({"detect", dir / "plain.tif", "-o", dir / "d.gpkg", "--allow-pixel-coords"});
  CHECK(allowed.exit_code == 0);
  CHECK(allowed.err.find("PIXEL coordinates") != std::string::npos);
  for (const auto& line : core::split(allowed.err, '\n')) {  // the warning carries its scene, as windows' lines do
    if (line.find("PIXEL coordinates") != std::string::npos)
      CHECK(core::Json::parse(line).at("scene").as_string() == dir / "plain.tif");
  }
  CHECK(fs::exists(dir / "d.gpkg"));
  // Its layer says pixel coordinates (a local CRS), not GeoPackage's "Undefined geographic SRS" (read as degrees).
  for (const char* name : {"d.gpkg", "d.fgb"}) {
    if (std::string(name) == "d.fgb")
      REQUIRE(test::swath({"detect", dir / "plain.tif", "-o", dir / name, "--allow-pixel-coords"}).exit_code == 0);
    GDALDatasetUniquePtr written(GDALDataset::Open((dir / name).c_str(), GDAL_OF_VECTOR));
    REQUIRE(written != nullptr);
    const auto* srs = written->GetLayer(0)->GetSpatialRef();
    REQUIRE(srs != nullptr);
    CHECK(srs->IsLocal());
    CHECK(std::string(srs->GetName()) == "pixel coordinates (x = column, y = row)");
  }
  const auto geojson = test::swath({"detect", dir / "plain.tif", "-o", dir / "d.geojson", "--allow-pixel-coords"});
  CHECK(geojson.exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "d.geojson"));
  // With a georeferenced scene in one run: pixel boxes were written among the metres, in the layer's CRS.
  const auto together =
      test::swath({"detect", dir / "s.tif", dir / "plain.tif", "-o", dir / "both.gpkg", "--allow-pixel-coords"});
  CHECK(together.exit_code == 2);
  CHECK_MESSAGE(together.err.find("one output cannot hold both") != std::string::npos, together.err);
  CHECK_FALSE(fs::exists(dir / "both.gpkg"));
  // Two images in pixel coordinates: each its own frame, not merged as one (a copy's detections were lost).
  fs::copy_file(dir / "plain.tif", dir / "plain2.tif");
  const auto two =
      test::swath({"detect", dir / "plain.tif", dir / "plain2.tif", "-o", dir / "two.gpkg", "--allow-pixel-coords"});
  CHECK(two.exit_code == 2);
  CHECK_MESSAGE(two.err.find("they have pixel coordinates only, each its own frame") != std::string::npos, two.err);
  CHECK_FALSE(fs::exists(dir / "two.gpkg"));
  // Pixel coordinates: eval compares such files in pixels, not as degrees or metres.
  const auto same = test::swath({"eval", dir / "d.gpkg", dir / "d.gpkg", "--json"});
  REQUIRE_MESSAGE(same.exit_code == 0, same.err);
  CHECK(core::Json::parse(same.out).at("f1").as_double() == 1.0);
  // Against a file with a CRS it is refused, naming it.
  const auto mixed = test::swath({"eval", dir / "d.gpkg", dir / "s.truth.geojson"});
  CHECK(mixed.exit_code == 1);
  CHECK_MESSAGE(
      mixed.err.find("'" + dir / "d.gpkg" + "': it has no CRS while the other file has one") != std::string::npos,
      mixed.err);
}

TEST_CASE("detect: a manifest of tiles that keep no georeferencing (PNG) is refused, also with --allow-pixel-coords") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "3", "--size", "512x512"});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "png", "-f", "PNG", "--size", "256"}).exit_code == 0);
  // Each tile's detections in its own 0..256 pixel frame, all in one layer: refused, whatever the flag says.
  for (const bool allow : {false, true}) {
    CAPTURE(allow);
    std::vector<std::string> args{"detect", dir / "png/tiles.jsonl", "-o", dir / "d.gpkg"};
    if (allow) args.push_back("--allow-pixel-coords");
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("tile 's/r000000_c000000'") != std::string::npos, r.err);
    CHECK(r.err.find("PNG, JPEG and WebP tiles keep none") != std::string::npos);
    CHECK(r.err.find("tile it as GTiff or COG") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "d.gpkg"));
  }
  // GeoTIFF tiles keep theirs.
  REQUIRE(test::swath({"tile", scene, "-o", dir / "tif", "--size", "256"}).exit_code == 0);
  const auto r = test::swath({"detect", dir / "tif/tiles.jsonl", "-o", dir / "t.gpkg"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("detect: a manifest's tile whose bytes are not the ones it records is not examined (exit 3)") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "3", "--size", "512x512"});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "t", "--size", "256"}).exit_code == 0);
  fs::copy_file(dir / "t/s/r000000_c000000.tif", dir / "t/s/r000001_c000001.tif", fs::copy_options::overwrite_existing);
  const auto r = test::swath({"detect", dir / "t/tiles.jsonl", "-o", dir / "d.gpkg", "--json"});
  CHECK(r.exit_code == 3);
  const auto failed = core::Json::parse(r.out).at("failed_windows").dump();
  CHECK_MESSAGE(failed.find("r000001_c000001: not examined: its SHA-256 differs from what its manifest records") !=
                    std::string::npos,
                failed);
  CHECK(fs::exists(dir / "d.gpkg"));  // the other three tiles' detections
}

TEST_CASE("detect: a GeoPackage holding other layers is not replaced; one of swath's own detections is") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "3", "--size", "512x512"});
  {
    GDALDatasetUniquePtr gpkg(GetGDALDriverManager()->GetDriverByName("GPKG")->Create((dir / "mine.gpkg").c_str(), 0, 0,
                                                                                      0, GDT_Unknown, nullptr));
    REQUIRE(gpkg);
    REQUIRE(gpkg->CreateLayer("roads", nullptr, wkbLineString) != nullptr);
  }
  const auto before = core::read_file(dir / "mine.gpkg");
  const auto r = test::swath({"detect", scene, "-o", dir / "mine.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("it holds other layers ('roads'), which writing it would remove") != std::string::npos,
                r.err);
  CHECK(core::read_file(dir / "mine.gpkg") == before);
  REQUIRE(test::swath({"detect", scene, "-o", dir / "d.gpkg"}).exit_code == 0);
  CHECK(test::swath({"detect", scene, "-o", dir / "d.gpkg"}).exit_code == 0);  // a re-run replaces its own
  // A raster GeoPackage lists no vector layer: refused all the same.
  GDALDatasetUniquePtr source(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER));
  REQUIRE(source);
  GDALDatasetUniquePtr(GetGDALDriverManager()->GetDriverByName("GPKG")->CreateCopy(
      (dir / "raster.gpkg").c_str(), source.get(), FALSE, nullptr, nullptr, nullptr));
  const auto raster = test::swath({"detect", scene, "-o", dir / "raster.gpkg"});
  CHECK(raster.exit_code == 2);
  CHECK(raster.err.find("GDAL cannot read it as a GeoPackage of swath's detections") != std::string::npos);
}

TEST_CASE("detect: an empty scene gives an empty but valid output") {
  test::ScratchDir dir;
  auto* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  {
    GDALDatasetUniquePtr ds(driver->Create((dir / "flat.tif").c_str(), 300, 200, 1, GDT_UInt16, nullptr));
    double gt[6] = {560000, 5, 0, 5820000, 0, -5};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(32631);
    ds->SetSpatialRef(&srs);
    REQUIRE(ds->GetRasterBand(1)->Fill(200) == CE_None);
  }
  for (const std::string ext : {"gpkg", "fgb", "geojson"}) {
    const auto r = test::swath({"detect", dir / "flat.tif", "-o", dir / ("e." + ext), "--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(core::Json::parse(r.out).at("detections").as_int() == 0);
    GDALDatasetUniquePtr out(GDALDataset::Open((dir / ("e." + ext)).c_str(), GDAL_OF_VECTOR));
    REQUIRE(out);
    CHECK(out->GetLayer(0)->GetFeatureCount() == 0);
    if (ext != "geojson") CHECK(out->GetLayer(0)->GetLayerDefn()->GetFieldIndex("trace_id") >= 0);
  }
}

TEST_CASE("detect: the index detector names a band the scene lacks; unknown detector suggests") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "rgb.tif", {"--kind", "optical", "--size", "64x64"});
  const auto r = test::swath({"detect", scene, "--detector", "index", "--index", "ndvi", "-o", dir / "i.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("needs band 'nir'") != std::string::npos);
  CHECK(r.err.find("red, green, blue") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "i.gpkg"));
  const auto ok = test::swath({"detect", scene, "--detector", "index", "--index", "(green - blue) / (green + blue)",
                               "--index-threshold", "0.1", "-o", dir / "i.gpkg"});
  CHECK(ok.exit_code == 0);
  // RGB + NIR with ponds: NDWI finds the water.
  const auto nir = synth(dir, "nir.tif", {"--kind", "optical", "--bands", "4", "--seed", "2"});
  const auto water = test::swath({"detect", nir, "--detector", "index", "--index", "ndwi", "--index-class", "water",
                                  "-o", dir / "w.gpkg", "--window", "256"});
  REQUIRE(water.exit_code == 0);
  const auto scores = eval_json(dir / "w.gpkg", dir / "nir.truth.geojson").at("classes").at("water");
  CHECK(scores.at("truths").as_int() >= 3);
  CHECK(scores.at("f1").as_double() > 0.9);
  // Band names travel with the tiles: synth → tile → detect finds "nir" in them as in the scene, and the same ponds.
  REQUIRE(test::swath({"tile", nir, "-o", dir / "tiles", "--size", "256"}).exit_code == 0);
  const auto tiled = test::swath(
      {"detect", dir / "tiles/tiles.jsonl", "--detector", "index", "--index", "ndwi", "-o", dir / "t.gpkg"});
  REQUIRE_MESSAGE(tiled.exit_code == 0, tiled.err);
  CHECK(eval_json(dir / "t.gpkg", dir / "nir.truth.geojson").at("classes").at("water") == scores);
  const auto unknown = test::swath({"detect", scene, "--detector", "cfat", "-o", dir / "u.gpkg"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("expected one of cfar, index, onnx") != std::string::npos);
}

TEST_CASE("detect/eval: missing files are named") {
  test::ScratchDir dir;
  const auto r = test::swath({"detect", dir / "nope.tif", "-o", dir / "d.gpkg"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("nope.tif") != std::string::npos);
  const auto card = test::swath({"detect", "--check-model", dir / "nope.yaml"});
  CHECK(card.exit_code == 1);
  CHECK(card.err.find("model card '" + (dir / "nope.yaml") + "': no such file (hint: check the path") !=
        std::string::npos);
  const auto e = test::swath({"eval", dir / "nope.gpkg", dir / "t.geojson"});
  CHECK(e.exit_code == 1);
  CHECK(e.err.find("no such file") != std::string::npos);
}

TEST_CASE("detect: windows that cannot be read are reported, the rest is written, exit 3") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "3"});
  const auto bytes = core::read_file(scene);
  test::write_text(dir / "cut.tif", bytes.substr(0, bytes.size() * 3 / 4));  // the last tiles are gone
  const auto r = test::swath({"detect", dir / "cut.tif", "-o", dir / "d.gpkg", "--json"});
  CHECK(r.exit_code == 3);
  const auto report = core::Json::parse(r.out);
  CHECK(report.at("schema").as_string() == "swath.detect/1");  // as every summary names its shape
  const auto& failed = report.at("failed_windows").as_array();
  REQUIRE_FALSE(failed.empty());
  CHECK(failed.size() < 9);
  CHECK(failed[0].as_string().find("cannot read window") != std::string::npos);
  CHECK(report.at("detections").as_int() > 0);
  CHECK(fs::exists(dir / "d.gpkg"));
  // The file says so too, not only the report: an output that lacks windows does not look complete.
  REQUIRE(test::swath({"detect", dir / "cut.tif", "-o", dir / "d.geojson"}).exit_code == 3);
  const auto about = core::Json::parse(core::read_file(dir / "d.geojson")).at("swath");
  CHECK(about.at("failed_windows").as_array().size() == failed.size());
  REQUIRE(test::swath({"detect", scene, "-o", dir / "whole.geojson"}).exit_code == 0);
  CHECK(core::Json::parse(core::read_file(dir / "whole.geojson")).at("swath").find("failed_windows") == nullptr);
}

TEST_CASE("detect: a scene none of whose windows can be read fails (exit 1) and writes nothing") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "s.tif", {"--seed", "3"});
  const auto bytes = core::read_file(scene);
  test::write_text(dir / "head.tif", bytes.substr(0, 4096));  // the header and no pixels
  const auto r = test::swath({"detect", dir / "head.tif", "-o", dir / "d.geojson"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("swath detect: no window could be read (") != std::string::npos, r.err);
  CHECK(r.err.find("so nothing is written: the first: ") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "d.geojson"));
  const auto json = test::swath({"detect", dir / "head.tif", "-o", dir / "d.geojson", "--json"});
  const auto error = core::Json::parse(json.out);  // the first failure's hint, apart from why
  CHECK_FALSE(error.at("hint").as_string().empty());
  CHECK(error.at("why").as_string().find("(hint: ") == std::string::npos);
}

TEST_CASE("detect: an output or quicklook path that is a directory, or a quicklook not .png, is refused up front") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "sea.tif", {"--size", "256x256"});
  fs::create_directories(dir / "taken.gpkg");
  // Was found only at the final rename, after the whole run: exit 1 naming a hidden temporary.
  auto r = test::swath({"detect", scene, "-o", dir / "taken.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("swath detect: -o '" + (dir / "taken.gpkg") + "': it is a directory (hint: give a file path") !=
        std::string::npos);
  r = test::swath({"detect", scene, "-o", dir / "d.gpkg", "--quicklook", dir.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--quicklook '" + dir.path() + "': it is a directory") != std::string::npos);
  r = test::swath({"detect", scene, "-o", dir / "d.gpkg", "--quicklook", dir / "q.jpg"});  // was PNG bytes in q.jpg
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--quicklook '" + (dir / "q.jpg") + "': a quicklook is a PNG image (hint: give it a .png name)") !=
        std::string::npos);
  CHECK(files_in(dir.path()) == std::vector<std::string>{"sea.tif", "sea.truth.geojson", "taken.gpkg"});
  // A quicklook draws one scene: with two, it drew the first and said nothing of the second.
  r = test::swath({"detect", scene, scene, "-o", dir / "d.gpkg", "--quicklook", dir / "q.png"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--quicklook '" + (dir / "q.png") + "': it draws one scene, and this run reads 2") !=
        std::string::npos);
  CHECK(files_in(dir.path()) == std::vector<std::string>{"sea.tif", "sea.truth.geojson", "taken.gpkg"});
}

TEST_CASE("detect: a missing output directory, or a window whose context is over --max-memory, is refused up front") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "sea.tif", {"--size", "1024x1024"});
  // Was found only when writing, after the whole run.
  auto r = test::swath({"detect", scene, "-o", dir / "nodir/d.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("-o '" + (dir / "nodir/d.gpkg") + "': the directory '" + (dir / "nodir") +
                 "' does not exist (hint: give a path in a directory you may write into)") != std::string::npos,
      r.err);
  r = test::swath({"detect", scene, "-o", dir / "d.gpkg", "--quicklook", dir / "nodir/q.png"});
  CHECK(r.exit_code == 2);
  // A parent that is a file is named as such, as the other commands' -o says it.
  r = test::swath({"detect", scene, "-o", dir / "sea.tif/d.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("'" + scene + "' is not a directory") != std::string::npos, r.err);
  // A context of millions of pixels (metres over a tiny pixel) read most of the scene per window, far over the
  // budget, and planned for hours: refused, naming the sizes.
  r = test::swath({"detect", scene, "-o", dir / "d.gpkg", "--background", "2000", "--guard", "10", "--cfar-units",
                   "pixels", "--max-memory", "16MiB"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("context of 2000 px each side (pixel size 5.002 m) reads 1024x1024 px (28 MiB of work "
                           "memory), over half of --max-memory") != std::string::npos,
                r.err);
  CHECK(files_in(dir.path()) == std::vector<std::string>{"sea.tif", "sea.truth.geojson"});
  r = test::swath({"detect", scene, "-o", dir / "d.gpkg", "--max-memory", "32MiB"});  // 612x612 px per window
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("detect: every window a VRT's missing source fails says why, the same with 1 or 2 threads") {
  test::ScratchDir dir;
  const auto left = synth(dir, "left.tif", {"--size", "1024x1024", "--seed", "2"});
  // GDAL says a source is missing only on a handle's first read of it: the later windows had "no reason".
  const std::string vrt = dir / "both.vrt";
  std::ofstream(vrt) << R"(<VRTDataset rasterXSize="2048" rasterYSize="1024">
  <SRS>EPSG:32631</SRS>
  <GeoTransform>560000, 5, 0, 5820000, 0, -5</GeoTransform>
  <VRTRasterBand dataType="UInt16" band="1">
    <SimpleSource><SourceFilename relativeToVRT="1">left.tif</SourceFilename><SourceBand>1</SourceBand>
      <SrcRect xOff="0" yOff="0" xSize="1024" ySize="1024"/><DstRect xOff="0" yOff="0" xSize="1024" ySize="1024"/>
    </SimpleSource>
    <SimpleSource><SourceFilename relativeToVRT="1">right.tif</SourceFilename><SourceBand>1</SourceBand>
      <SrcRect xOff="0" yOff="0" xSize="1024" ySize="1024"/><DstRect xOff="1024" yOff="0" xSize="1024" ySize="1024"/>
    </SimpleSource>
  </VRTRasterBand>
</VRTDataset>
)";
  std::vector<std::string> outputs;
  for (const std::string threads : {"1", "2"}) {
    const auto r = test::swath({"detect", vrt, "-o", dir / ("d" + threads + ".geojson"), "--threads", threads,
                                "--window", "256", "--overlap", "0", "--json"},
                               {.env = {{"TRACEPARENT", "00-0123456789abcdef0123456789abcdef-0123456789abcdef-01"}}});
    CHECK(r.exit_code == 3);
    const auto failed = core::Json::parse(r.out).at("failed_windows").as_array();
    CHECK(failed.size() >= 16);  // the right half's windows, and those whose context margin reaches it
    for (const auto& f : failed) CHECK_MESSAGE(f.as_string().find("right.tif") != std::string::npos, f.as_string());
    outputs.push_back(core::read_file(dir / ("d" + threads + ".geojson")));
  }
  CHECK(outputs[0] == outputs[1]);
}

TEST_CASE("detect: pieces cut by tile seams are joined whatever CRS the first scene of the run has") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "st.tif", {"--size", "1024x1024", "--seed", "7", "--straddle", "512"});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "t", "--size", "512"}).exit_code == 0);
  const auto small = synth(dir, "small.tif", {"--size", "256x256", "--seed", "9"});
  const std::string other = dir / "other.tif";
  {
    const char* args[] = {"-t_srs", "EPSG:32632", nullptr};
    GDALWarpAppOptions* warp = GDALWarpAppOptionsNew(const_cast<char**>(args), nullptr);
    GDALDatasetH source = GDALOpen(small.c_str(), GA_ReadOnly);
    REQUIRE(source != nullptr);
    GDALDatasetH warped = GDALWarp(other.c_str(), nullptr, 1, &source, warp, nullptr);
    REQUIRE(warped != nullptr);
    GDALClose(warped);
    GDALClose(source);
    GDALWarpAppOptionsFree(warp);
  }
  // The output is in the first scene's CRS: the tiles' boxes are reprojected into it, their seams no longer lines.
  const auto count = [&](const std::vector<std::string>& inputs, const std::string& out) {
    std::vector<std::string> args{"detect"};
    args.insert(args.end(), inputs.begin(), inputs.end());
    args.insert(args.end(), {"-o", dir / out, "--json"});
    const auto r = test::swath(args);
    REQUIRE(r.exit_code == 0);
    return core::Json::parse(r.out).at("detections").as_int();
  };
  const auto tiles_first = count({dir / "t/tiles.jsonl", other}, "a.gpkg");
  CHECK(count({other, dir / "t/tiles.jsonl"}, "b.gpkg") == tiles_first);
}

TEST_CASE("detect and tile: bad inputs say what is wrong and what to do") {
  test::ScratchDir dir;
  const auto scene = synth(dir, "sar.tif", {"--size", "256x256"});  // one band
  fs::create_symlink("loop", dir / "loop");
  fs::create_directories(dir / "dir.jsonl");
  const std::string model = std::string(SWATH_SOURCE_DIR) + "/models/vehicles.yaml";
  for (const auto& [args, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"tile", dir / "loop", "-o", dir / "o"},
            "a symbolic link to no file (its target is missing, or loops) (hint: check where the link points"},
           {{"detect", dir / "none/tiles.jsonl", "-o", dir / "d.gpkg"}, "': no such file (hint: check the path)"},
           {{"detect", dir / "dir.jsonl", "-o", dir / "d.gpkg"}, "': it is a directory (hint: give the manifest file"},
           {{"detect", scene, "--window", "64", "--overlap", "64", "-o", dir / "d.gpkg"},
            "(hint: give a smaller --overlap, or leave it out"},
           {{"detect", scene, "--detector", "onnx", "--model", model, "-o", dir / "d.gpkg"},
            "has 1 (hint: give the model scenes of the bands it was trained on"}}) {
    const auto r = test::swath(args);
    CHECK(r.exit_code != 0);
    CHECK_MESSAGE(r.err.find(expected) != std::string::npos, r.err);
  }
}
