// --shard I/N into one shared output directory, as the pods of a Kubernetes Indexed Job do.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"
#include "tiling/tile.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("tile: shards writing one directory keep a manifest each, together listing every tile once") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {});  // 64×48 in 16-px tiles: 12
  auto options = test::tile_options(scene, dir / "out", 16);
  std::set<std::string> ids;
  std::size_t records = 0;
  for (int i = 0; i < 3; ++i) {
    options.shard = {i, 3};
    const auto report = tiling::tile_scenes(options);
    CHECK(report.manifest_path == dir / ("out/tiles.shard-" + std::to_string(i) + "-of-3.jsonl"));
    CHECK(report.index_path == dir / ("out/tiles.shard-" + std::to_string(i) + "-of-3.geojson"));
  }
  for (int i = 0; i < 3; ++i) {
    const auto lines = test::lines(core::read_file(dir / ("out/tiles.shard-" + std::to_string(i) + "-of-3.jsonl")));
    CHECK(core::Json::parse(lines[0]).at("shard").as_string() == std::to_string(i) + "/3");
    for (std::size_t l = 1; l < lines.size(); ++l) {
      ids.insert(core::Json::parse(lines[l]).at("id").as_string());
      ++records;
    }
  }
  CHECK(records == 12);
  CHECK(ids.size() == 12);
  CHECK_FALSE(fs::exists(dir / "out/tiles.jsonl"));

  options.shard = {1, 3};  // a shard resumes from its own manifest
  options.resume = true;
  CHECK(tiling::tile_scenes(options).reused == 4);
}
