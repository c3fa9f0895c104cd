// GDAL handles are per scene and per thread: a run over many scenes must not hold them all open at once.
#include <doctest/doctest.h>

#include <filesystem>

#include "pipeline/progress.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

std::size_t open_files() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Samples the process's open file descriptors at every finished tile.
class FdSampler final : public pipeline::ProgressSink {
 public:
  void started(const pipeline::Progress&) override { peak = open_files(); }
  void advanced(const pipeline::Progress&) override { peak = std::max(peak, open_files()); }
  void finished(const pipeline::Progress&) override {}
  std::size_t peak = 0;
};

}  // namespace

TEST_CASE("tile: a scene's handles are closed once its tiles are done, so many scenes fit the fd limit") {
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.bands = 1;
  std::vector<std::string> scenes;
  for (int i = 0; i < 60; ++i) scenes.push_back(test::make_scene(dir / ("scene" + std::to_string(i) + ".tif"), spec));
  auto options = test::tile_options(scenes[0], dir / "out", 64);  // one tile per scene
  options.scenes = scenes;
  options.resources.threads = 2;
  const std::size_t before = open_files();
  FdSampler sampler;
  CHECK(tiling::tile_scenes(options, &sampler).written == 60);
  CAPTURE(before);
  CHECK(sampler.peak < before + 20);  // one handle per thread for the scenes in flight, not 2 × 60
}
