// End to end: `swath detect` stopped by SIGINT leaves no output (nor its sidecar, nor a quicklook) and no temporary.
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string xml_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

// A SAR scene of n × n copies of one 1024-px `swath synth` scene, as a VRT: real ships, cheap to make,
// and big enough (n = 12: 151 MPix) that detecting it on one thread takes seconds.
std::string mosaic_scene(const test::ScratchDir& dir, int n) {
  const auto r = test::swath({"synth", "-o", dir / "tile.tif", "--seed", "3", "--size", "1024x1024"});
  REQUIRE(r.exit_code == 0);
  GDALDatasetUniquePtr tile(GDALDataset::Open((dir / "tile.tif").c_str(), GDAL_OF_RASTER));
  REQUIRE(tile);
  double gt[6];
  REQUIRE(tile->GetGeoTransform(gt) == CE_None);
  const std::string side = std::to_string(1024 * n);
  std::string vrt = "<VRTDataset rasterXSize=\"" + side + "\" rasterYSize=\"" + side + "\"><SRS>" +
                    xml_escaped(tile->GetProjectionRef()) + "</SRS><GeoTransform>";
  for (int i = 0; i < 6; ++i) vrt += (i > 0 ? "," : "") + std::to_string(gt[i]);
  vrt += "</GeoTransform><VRTRasterBand dataType=\"UInt16\" band=\"1\">";
  for (int row = 0; row < n; ++row) {
    for (int col = 0; col < n; ++col) {
      vrt +=
          "<SimpleSource><SourceFilename relativeToVRT=\"1\">tile.tif</SourceFilename><SourceBand>1</SourceBand>"
          "<SrcRect xOff=\"0\" yOff=\"0\" xSize=\"1024\" ySize=\"1024\"/><DstRect xOff=\"" +
          std::to_string(col * 1024) + "\" yOff=\"" + std::to_string(row * 1024) +
          "\" xSize=\"1024\" ySize=\"1024\"/></SimpleSource>";
    }
  }
  vrt += "</VRTRasterBand></VRTDataset>\n";
  core::write_file_atomic(dir / "mosaic.vrt", vrt);
  return dir / "mosaic.vrt";
}

// Starts `swath detect` on one thread and sends SIGINT once it is working through the windows.
test::RunResult interrupted_detect(const std::vector<std::string>& args) {
  std::vector<std::string> argv{SWATH_BINARY, "detect", "--threads", "1"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::Background run(argv, {.env = {}, .unset_env = {"SWATH_CONFIG", "SWATH_LOG__LEVEL"}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!contains(run.err_so_far(), "windows of 512 px") && run.running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // some windows done, detections held in memory
  REQUIRE_MESSAGE(run.running(), "the run finished before it could be interrupted");
  run.signal(SIGINT);
  return run.wait();
}

}  // namespace

TEST_CASE("detect: SIGINT exits 130 and leaves no output, sidecar, quicklook or temporary, in every format") {
  test::ScratchDir dir;
  const auto scene = mosaic_scene(dir, 12);
  const auto before = files_in(dir.path());
  for (const std::string ext : {"gpkg", "fgb", "geojson"}) {
    CAPTURE(ext);
    const auto r = interrupted_detect({scene, "-o", dir / ("d." + ext), "--quicklook", dir / "look.png"});
    CHECK(r.exit_code == 130);
    CHECK(contains(r.err, "swath detect: detection interrupted: stopped by a signal"));
    CHECK(contains(r.err, "nothing written"));
    CHECK(files_in(dir.path()) == before);  // no d.<ext>, no d.fgb.swath.json, no look.png, no .tmp- file
  }
}

TEST_CASE("detect: temporaries a killed earlier run left beside the output are removed, others' are kept") {
  test::ScratchDir dir;
  const auto r = test::swath({"synth", "-o", dir / "s.tif", "--seed", "3", "--size", "512x512"});
  REQUIRE(r.exit_code == 0);
  const std::string dead = std::to_string(test::dead_pid());
  const std::string host = test::host_name();
  // What a SIGKILL during the write would leave: our temporary, the FlatGeobuf driver's own, the sidecar's.
  const std::vector<std::string> stale = {".d.fgb.tmp-" + dead + "-0-" + host + ".fgb",
                                          ".d.fgb.tmp-" + dead + "-0-" + host + "_temp.fgb",
                                          ".d.fgb.swath.json.tmp-" + dead + "-1-" + host};
  // Not this output's (another file's), not a dead process's (ours), not this host's: none is ours to remove.
  const std::vector<std::string> kept = {".other.fgb.tmp-" + dead + "-0-" + host,
                                         ".d.fgb.tmp-" + std::to_string(::getpid()) + "-0-" + host,
                                         ".d.fgb.tmp-" + dead + "-0-elsewhere"};
  for (const auto& name : stale) test::write_text(dir / name, "partial");
  for (const auto& name : kept) test::write_text(dir / name, "partial");
  REQUIRE(test::swath({"detect", dir / "s.tif", "-o", dir / "d.fgb"}).exit_code == 0);
  for (const auto& name : stale) CHECK_FALSE(fs::exists(dir / name));
  for (const auto& name : kept) CHECK(fs::exists(dir / name));
  CHECK(fs::exists(dir / "d.fgb"));
  CHECK(fs::exists(dir / "d.fgb.swath.json"));
}
