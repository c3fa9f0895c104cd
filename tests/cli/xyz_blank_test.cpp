// End to end: a pyramid's manifest lists every tile in range once (written with its file, or blank without one) at
// every zoom, above the blocks' roots too; TileJSON's minzoom is the lowest zoom written; shards + merge agree.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "tiling/manifest_reader.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

// An 80 km × 160 m strip (UTM 18N) with data in its first 10 km only, nodata 0 elsewhere: at zooms 10-15 most tiles
// in range have no data, at the blocks' zoom and above it.
std::string gappy_strip(const test::ScratchDir& dir) {
  return test::make_scene(dir / "gappy.tif",
                          {.width = 8000,
                           .height = 16,
                           .bands = 3,
                           .type = GDT_Byte,
                           .pixel = [](int b, int x, int y) { return x < 1000 ? 1 + (x + 7 * y + 40 * b) % 250 : 0; },
                           .nodata = 0.0});
}

struct Listed {
  std::set<std::string> ids;
  std::set<std::string> written_paths;  // relative to the directory
  std::set<int> blank_zooms;
  int lowest_written = 99;
  std::size_t lines = 0;
};

Listed listed(const std::string& dir) {
  Listed out;
  tiling::ManifestReader reader(dir + "/tiles.jsonl");
  while (auto entry = reader.next()) {
    if (!std::holds_alternative<tiling::ManifestLine>(*entry)) continue;
    const auto& line = std::get<tiling::ManifestLine>(*entry);
    ++out.lines;
    out.ids.insert(line.id);
    const int z = static_cast<int>(line.json.at("z").as_int());
    if (line.status == "blank") {
      out.blank_zooms.insert(z);
      CHECK(line.json.find("path") == nullptr);
    } else {
      CHECK(line.status == "written");
      out.written_paths.insert(line.json.at("path").as_string());
      out.lowest_written = std::min(out.lowest_written, z);
    }
  }
  return out;
}

std::set<std::string> tile_files(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".png")
      out.insert(fs::relative(entry.path(), dir).string());
  }
  return out;
}

}  // namespace

TEST_CASE("tile --grid xyz: tiles.jsonl lists each tile in range once, blank above the blocks too; shards agree") {
  test::ScratchDir dir;
  const auto scene = gappy_strip(dir);
  const std::vector<std::string> common{"--grid", "xyz", "--zoom", "10-15", "--max-memory", "16MiB"};
  std::vector<std::string> args{"tile", scene, "-o", dir / "one", "--json"};
  args.insert(args.end(), common.begin(), common.end());
  const auto one = test::swath(args);
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  const auto summary = core::Json::parse(one.out);

  const Listed l = listed(dir / "one");
  CHECK(l.lines == l.ids.size());  // each tile once
  CHECK(static_cast<std::int64_t>(l.lines) == summary.at("planned").as_int());
  CHECK(static_cast<std::int64_t>(l.written_paths.size()) == summary.at("written").as_int());
  CHECK(l.written_paths == tile_files(dir / "one"));  // the files written, no more, no less
  // 16 MiB gives blocks rooted at zoom 14: blank tiles at 10-13 come from the zooms above the blocks.
  CHECK(l.blank_zooms == std::set<int>{10, 11, 12, 13, 14, 15});
  const auto tilejson = core::Json::parse(core::read_file(dir / "one/tilejson.json"));
  CHECK(tilejson.at("minzoom").as_int() == l.lowest_written);

  // Two shards and the merge: the same manifest and TileJSON (the merge records the same blank tiles, in order).
  for (const std::string shard : {"0/2", "1/2"}) {
    std::vector<std::string> shard_args{"tile", scene, "-o", dir / "shards", "--shard", shard};
    shard_args.insert(shard_args.end(), common.begin(), common.end());
    const auto r = test::swath(shard_args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  std::vector<std::string> merge_args{"tile", "--merge-shards", dir / "shards"};
  merge_args.insert(merge_args.end(), common.begin(), common.end());
  const auto merged = test::swath(merge_args);
  REQUIRE_MESSAGE(merged.exit_code == 0, merged.err);
  CHECK(core::read_file(dir / "shards/tiles.jsonl") == core::read_file(dir / "one/tiles.jsonl"));
  CHECK(core::read_file(dir / "shards/tilejson.json") == core::read_file(dir / "one/tilejson.json"));
}

TEST_CASE("tile --grid xyz: a pyramid without a tile of data gets no tilejson.json (it claimed its zooms), said so") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "empty.tif", {.width = 64,
                                                          .height = 64,
                                                          .bands = 3,
                                                          .type = GDT_Byte,
                                                          .pixel = [](int, int, int) { return 0; },
                                                          .nodata = 0.0});
  for (const auto& args :
       {std::vector<std::string>{"tile", scene, "-o", dir / "one", "--grid", "xyz", "--zoom", "10-12", "--json"},
        std::vector<std::string>{"tile", scene, "-o", dir / "two", "--grid", "xyz", "--zoom", "10-12", "--shard",
                                 "0/1"}}) {
    const auto r = test::swath(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  const auto merged = test::swath({"tile", "--grid", "xyz", "--zoom", "10-12", "--merge-shards", dir / "two"});
  REQUIRE_MESSAGE(merged.exit_code == 0, merged.err);
  for (const char* out : {"one", "two"}) {
    CAPTURE(out);
    CHECK(fs::exists(dir / (std::string(out) + "/tiles.jsonl")));
    CHECK_FALSE(fs::exists(dir / (std::string(out) + "/tilejson.json")));
    CHECK(tile_files(dir / out).empty());
  }
  CHECK(merged.err.find("no tile of zooms 10-12 has data") != std::string::npos);
}
