// write_archive_from_directory: a z/x/y tile folder (and its tilejson.json) becomes the archive ArchiveWriter writes
// from the same tiles; strays are not tiles; mixed formats and empty folders are refused.
#include <doctest/doctest.h>

#include <filesystem>

#include "archive_support.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "pmtiles/directory_archive.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

void write_tree(const std::string& root, const std::vector<test::TestTile>& tiles, const std::string& ext) {
  for (const auto& t : tiles) {
    test::write_text(
        root + "/" + std::to_string(t.z) + "/" + std::to_string(t.x) + "/" + std::to_string(t.y) + "." + ext, t.bytes);
  }
}

}  // namespace

TEST_CASE("pmtiles from a folder: the same archive as the writer given the tiles and the TileJSON") {
  test::ScratchDir dir;
  const auto tiles = test::pyramid_tiles(4, 300, 5);
  write_tree(dir / "tiles", tiles, "webp");
  test::write_text(dir / "tiles/tilejson.json",
                   R"({"tilejson":"3.0.0","name":"scene","tiles":["{z}/{x}/{y}.webp"],"minzoom":0,"maxzoom":4,)"
                   R"("bounds":[-1.5,2.25,3,4],"center":[0.75,3.125,2]})");
  test::write_text(dir / "tiles/tiles.jsonl", "{}\n");                  // the manifest: not a tile
  test::write_text(dir / "tiles/3/1/.7.webp.tmp-1-2-host", "partial");  // a temporary: not a tile
  test::write_text(dir / "tiles/3/1/notes.txt", "stray");               // not a y.ext name
  test::write_text(dir / "tiles/logs/1/2.webp", "stray");               // not a zoom folder
  const auto summary = pmtiles::write_archive_from_directory(dir / "tiles", dir / "from-dir.pmtiles");
  CHECK(summary.addressed_tiles == tiles.size());

  pmtiles::ArchiveInfo info;
  info.tile_type = pmtiles::TileType::webp;
  info.metadata = core::Json::parse(R"({"tilejson":"3.0.0","name":"scene","minzoom":0,"maxzoom":4,)"
                                    R"("bounds":[-1.5,2.25,3,4],"center":[0.75,3.125,2]})");
  info.bounds = pmtiles::Bounds{-1.5, 2.25, 3, 4};
  info.center = pmtiles::Center{0.75, 3.125, 2};
  {
    pmtiles::ArchiveWriter writer(dir / "direct.pmtiles");
    for (const auto& t : tiles) writer.add(t.z, t.x, t.y, t.bytes);
    writer.finish(info);
  }
  CHECK(core::read_file(dir / "from-dir.pmtiles") == core::read_file(dir / "direct.pmtiles"));
  const auto archive = test::read_archive(dir / "from-dir.pmtiles");
  CHECK(archive.header.tile_type == pmtiles::TileType::webp);
  CHECK(archive.header.center_zoom == 2);
  CHECK(archive.metadata.find("tiles") == std::string::npos);
}

TEST_CASE("pmtiles from a folder: mixed formats, no tiles or no folder are errors, and no archive appears") {
  test::ScratchDir dir;
  write_tree(dir / "mixed", test::pyramid_tiles(1, 50, 1), "png");
  test::write_text(dir / "mixed/1/0/1.jpg", "jpeg");
  CHECK_THROWS_WITH_AS(pmtiles::write_archive_from_directory(dir / "mixed", dir / "m.pmtiles"),
                       doctest::Contains(".jpg"), core::DataError);
  fs::create_directories(dir / "empty/3/1");
  CHECK_THROWS_WITH_AS(pmtiles::write_archive_from_directory(dir / "empty", dir / "e.pmtiles"),
                       doctest::Contains("no {z}/{x}/{y}.{ext} tiles"), core::DataError);
  CHECK_THROWS_AS(pmtiles::write_archive_from_directory(dir / "absent", dir / "a.pmtiles"), core::IoError);
  for (const auto& e : fs::directory_iterator(dir.path())) CHECK(e.is_directory());
}
