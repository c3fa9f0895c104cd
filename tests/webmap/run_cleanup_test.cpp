// What a pyramid run leaves behind: no /vsimem/ clip of a geographic scene once the run (or the scene) is gone, and
// no temporary of a killed earlier run among its own tiles (other files stay).
#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "pipeline/progress.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "webmap/pyramid.hpp"
#include "webmap/scene.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// What /vsimem/ holds, but the tile encoders' scratch directories (swath-tile-N): one per thread, kept for the
// thread's life by design (tiling/encode.cpp), so a pool's threads keep theirs between runs.
std::set<std::string> vsimem_files() {
  std::set<std::string> out;
  char** list = VSIReadDir("/vsimem/");
  for (char** entry = list; entry != nullptr && *entry != nullptr; ++entry) {
    if (std::string(*entry).rfind("swath-tile-", 0) != 0) out.insert(*entry);
  }
  CSLDestroy(list);
  return out;
}

// One grey band over the whole globe (EPSG:4326, 2° × 1° pixels): past ±85.0511°, so it is clipped in /vsimem/.
std::string world_scene(const test::ScratchDir& dir) {
  const auto path = test::make_scene(dir / "world.tif", {.width = 180,
                                                         .height = 180,
                                                         .bands = 1,
                                                         .type = GDT_Byte,
                                                         .pixel = [](int, int x, int y) { return (x + y) % 200 + 20; },
                                                         .georeferenced = false});
  GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
  REQUIRE(dataset);
  double gt[6] = {-180, 2, 0, 90, 0, -1};
  REQUIRE(dataset->SetGeoTransform(gt) == CE_None);
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  REQUIRE(dataset->SetSpatialRef(&wgs84) == CE_None);
  return path;
}

webmap::PyramidOptions pyramid_options(const std::string& scene, const std::string& output) {
  webmap::PyramidOptions options;
  options.tile.scenes = {scene};
  options.tile.output_dir = output;
  options.tile.format = tiling::Format::png;
  options.tile.resources.threads = 2;
  options.webmap.grid = webmap::GridKind::xyz;
  options.webmap.zoom = webmap::ZoomRange{0, 2};
  return options;
}

// A temporary name core's atomic writes give `final_name`, as a process `pid` on `host` would have made it.
std::string temporary_of(const std::string& dir, const std::string& final_name, const std::string& pid,
                         const std::string& host) {
  return dir + "/." + final_name + ".tmp-" + pid + "-0-" + host;
}

}  // namespace

TEST_CASE("webmap: a clipped geographic scene's /vsimem/ VRT lives as long as a copy of the scene") {
  test::ScratchDir dir;
  const auto path = world_scene(dir);
  const auto before = vsimem_files();
  std::string clip;
  {
    auto scene = webmap::prepare_scene(path, "world");
    clip = scene.open_path;
    REQUIRE(clip.rfind("/vsimem/", 0) == 0);
    CHECK(vsimem_files().size() == before.size() + 1);
    const auto copy = scene;
    { const auto gone = std::move(scene); }
    VSIStatBufL stat;
    CHECK(VSIStatL(clip.c_str(), &stat) == 0);  // the copy still owns it
  }
  VSIStatBufL stat;
  CHECK(VSIStatL(clip.c_str(), &stat) != 0);
  CHECK(vsimem_files() == before);
}

TEST_CASE("webmap: a pyramid of a clipped geographic scene leaves /vsimem/ as it found it") {
  test::ScratchDir dir;
  const auto path = world_scene(dir);
  const auto before = vsimem_files();
  const auto report = webmap::build_pyramid(pyramid_options(path, dir / "out"));
  CHECK(report.written == 1 + 4 + 16);
  CHECK(vsimem_files() == before);
}

TEST_CASE("webmap: a run sweeps the temporaries killed runs of this host left among its tiles, and nothing else") {
  test::ScratchDir dir;
  const auto path = world_scene(dir);
  auto options = pyramid_options(path, dir / "out");
  webmap::build_pyramid(options);
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  const std::string dead_pid = "4194303";  // above any pid this test can meet (the kernel's pid_max limit)
  const std::string column = dir / "out/2/1";
  const std::string killed = temporary_of(column, "3.png", dead_pid, host);
  const std::string zoom0 = temporary_of(dir / "out/0/0", "0.png", dead_pid, host);
  const std::string other_host = temporary_of(column, "2.png", dead_pid, "worker-7f9c-abcde");
  const std::string live = core::temporary_path_for(column + "/1.png");
  const std::string user_file = column + "/notes.txt";
  const std::string user_hidden = column + "/.keep";
  // A column no scene's range reaches at that zoom is not this pyramid's: left alone.
  fs::create_directories(dir / "out/1/7");
  const std::string outside = temporary_of(dir / "out/1/7", "0.png", dead_pid, host);
  for (const auto& planted : {killed, zoom0, other_host, live, user_file, user_hidden, outside})
    test::write_text(planted, "partial");

  options.tile.resume = true;
  const auto report = webmap::build_pyramid(options);
  CHECK(report.reused == 1 + 4 + 16);
  CHECK_FALSE(fs::exists(killed));
  CHECK_FALSE(fs::exists(zoom0));
  for (const auto& kept : {other_host, live, user_file, user_hidden, outside}) CHECK_MESSAGE(fs::exists(kept), kept);
}

TEST_CASE("pyramid: a scene replaced while it is tiled fails the run; its tiles.jsonl is not committed") {
  // Touches the scene after the first block (a file written meanwhile: its size and mtime move).
  class Toucher final : public pipeline::ProgressSink {
   public:
    explicit Toucher(std::string scene) : scene_(std::move(scene)) {}
    void started(const pipeline::Progress&) override {}
    void advanced(const pipeline::Progress&) override {
      if (++advanced_ == 1) fs::last_write_time(scene_, fs::last_write_time(scene_) + std::chrono::seconds(5));
    }
    void finished(const pipeline::Progress&) override {}

   private:
    std::string scene_;
    int advanced_ = 0;
  };
  test::ScratchDir dir;
  const auto scene = world_scene(dir);
  Toucher toucher(scene);
  CHECK_THROWS_WITH_AS(webmap::build_pyramid(pyramid_options(scene, dir / "out"), &toucher),
                       doctest::Contains("it was replaced or written while it was being tiled"), core::IoError);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
  CHECK_NOTHROW(webmap::build_pyramid(pyramid_options(scene, dir / "out")));  // run again, as the hint says
  CHECK(fs::exists(dir / "out/tiles.jsonl"));
}

TEST_CASE("pyramid: a palette scene is refused, not made a grey map of its colour numbers") {
  test::ScratchDir dir;
  const auto path = world_scene(dir);
  {
    GDALDatasetUniquePtr dataset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    GDALColorTable table;
    const GDALColorEntry green{0, 128, 0, 255};
    table.SetColorEntry(20, &green);
    REQUIRE(dataset->GetRasterBand(1)->SetColorTable(&table) == CE_None);
  }
  CHECK_THROWS_WITH_AS(webmap::build_pyramid(pyramid_options(path, dir / "out")),
                       doctest::Contains("colour-table indices (a palette)"),
                       core::DataError);  // was: the index numbers averaged into grey tiles
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));
}
