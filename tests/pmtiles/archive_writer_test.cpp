// ArchiveWriter: what it writes reads back tile for tile, deduplicated and clustered, the same bytes in any add()
// order, and nothing under the final name when it fails or is killed.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "archive_support.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/sha256.hpp"
#include "pmtiles/archive_writer.hpp"
#include "pmtiles/tile_id.hpp"
#include "support/scratch.hpp"
#include "support/tiny_fs.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

pmtiles::ArchiveSummary write(const std::string& path, const std::vector<test::TestTile>& tiles,
                              const pmtiles::ArchiveInfo& info) {
  pmtiles::ArchiveWriter writer(path);
  for (const auto& t : tiles) writer.add(t.z, t.x, t.y, t.bytes);
  return writer.finish(info);
}

pmtiles::ArchiveInfo png_info() {
  pmtiles::ArchiveInfo info;
  info.tile_type = pmtiles::TileType::png;
  info.metadata.set("name", "test pyramid");
  info.bounds = pmtiles::Bounds{-10.5, -20.25, 30, 40};
  return info;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

TEST_CASE("pmtiles writer: every tile reads back; identical tiles stored once; blobs in tile id order") {
  test::ScratchDir dir;
  const auto tiles = test::pyramid_tiles(5, 400, 1);
  const auto summary = write(dir / "a.pmtiles", tiles, png_info());
  const auto archive = test::read_archive(dir / "a.pmtiles");

  std::set<std::string> distinct;
  REQUIRE(archive.tiles.size() == tiles.size());
  for (const auto& t : tiles) {
    distinct.insert(t.bytes);
    const auto it = archive.tiles.find(pmtiles::zxy_to_tile_id(t.z, t.x, t.y));
    REQUIRE(it != archive.tiles.end());
    CHECK(it->second == t.bytes);
  }
  const auto& h = archive.header;
  CHECK(h.addressed_tiles == tiles.size());
  CHECK(h.tile_contents == distinct.size());
  CHECK(h.tile_contents < tiles.size() - 100);  // the ocean blob once, not ~300 times
  CHECK(h.tile_entries < h.addressed_tiles);    // runs of consecutive ocean tiles share an entry
  CHECK(h.clustered);
  CHECK(archive.blobs_clustered);
  CHECK(h.internal_compression == pmtiles::Compression::gzip);
  CHECK(h.tile_compression == pmtiles::Compression::none);
  CHECK(h.tile_type == pmtiles::TileType::png);
  CHECK(h.min_zoom == 0);
  CHECK(h.max_zoom == 5);
  CHECK(h.min_lon_e7 == -105000000);
  CHECK(h.min_lat_e7 == -202500000);
  CHECK(h.max_lat_e7 == 400000000);
  CHECK(h.center_lon_e7 == 97500000);  // the middle of the bounds at the lowest zoom
  CHECK(h.center_zoom == 0);
  CHECK(h.root_offset == 127);
  CHECK(h.root_offset + h.root_length <= 16384);
  CHECK(archive.leaves == 0);
  CHECK(archive.metadata == "{\"name\":\"test pyramid\"}");
  CHECK(summary.bytes == fs::file_size(dir / "a.pmtiles"));
  CHECK(summary.tile_contents == distinct.size());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"a.pmtiles"});  // the spool is gone
}

TEST_CASE("pmtiles writer: the same bytes whatever the order tiles are added in") {
  test::ScratchDir dir;
  write(dir / "a.pmtiles", test::pyramid_tiles(6, 300, 1), png_info());
  write(dir / "b.pmtiles", test::pyramid_tiles(6, 300, 2), png_info());
  CHECK(core::sha256_hex(core::read_file(dir / "a.pmtiles")) == core::sha256_hex(core::read_file(dir / "b.pmtiles")));
}

TEST_CASE("pmtiles writer: bad input is refused and leaves no file behind") {
  test::ScratchDir dir;
  const std::string out = dir / "bad.pmtiles";
  {
    pmtiles::ArchiveWriter writer(out);
    CHECK_THROWS_AS(writer.add(2, 4, 0, "x"), core::DataError);
    CHECK_THROWS_AS(writer.add(2, 0, 0, ""), core::DataError);
    CHECK_THROWS_WITH_AS(writer.finish({}), doctest::Contains("no tiles"), core::DataError);
  }
  {
    pmtiles::ArchiveWriter writer(out);
    writer.add(3, 1, 2, "one");
    writer.add(3, 1, 2, "two");
    CHECK_THROWS_WITH_AS(writer.finish({}), doctest::Contains("tile 3/1/2"), core::DataError);
  }
  {
    pmtiles::ArchiveWriter writer(out);
    writer.add(0, 0, 0, "x");
    pmtiles::ArchiveInfo info;
    info.metadata = core::Json::array();
    CHECK_THROWS_AS(writer.finish(info), core::DataError);
  }
  {
    pmtiles::ArchiveWriter writer(out);
    writer.add(0, 0, 0, "x");
    pmtiles::ArchiveInfo info;
    info.bounds = pmtiles::Bounds{-10, -10, 250, 10};  // not degrees: would overflow the header's int32
    CHECK_THROWS_WITH_AS(writer.finish(info), doctest::Contains("outside"), core::DataError);
    CHECK_THROWS_AS(writer.finish({}), core::DataError);  // spent
    CHECK_THROWS_AS(writer.add(0, 0, 0, "y"), core::DataError);
  }
  {
    pmtiles::ArchiveWriter abandoned(out);
    abandoned.add(0, 0, 0, "never finished");
  }
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("pmtiles writer: a full disk fails with IoError, nothing under the final name and no temporaries") {
  test::ScratchDir dir;
  test::TinyFileSystem disk(dir / "disk", "size=4m");
  if (!disk.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  const std::string out = disk / "out.pmtiles";
  const auto page = [](std::uint64_t n) { return (n + test::kPage - 1) / test::kPage * test::kPage; };

  // ~1.3 MB of tiles with 512 KiB free: the spool (flushed every MiB) outgrows the disk while tiles are added.
  const auto big = test::pyramid_tiles(6, 600, 1);
  disk.leave_free(512 * 1024);
  {
    pmtiles::ArchiveWriter writer(out);
    std::size_t added = 0;
    try {
      for (const auto& t : big) {
        writer.add(t.z, t.x, t.y, t.bytes);
        ++added;
      }
    } catch (const core::IoError& e) {
      CHECK(std::string(e.what()).find("No space left on device") != std::string::npos);
    }
    CHECK(added < big.size());
    CHECK_THROWS_AS(writer.finish(png_info()), core::DataError);  // spent by the failure, never a bad archive
  }
  CHECK(names_in(disk.path()) == std::vector<std::string>{"filler"});

  // Room for the spool but not for the archive beside it: finish() is what fails.
  const auto medium = test::pyramid_tiles(5, 800, 1);
  const auto size = write(dir / "reference.pmtiles", medium, png_info()).bytes;
  disk.leave_free(page(size + size / 2));
  {
    pmtiles::ArchiveWriter writer(out);
    for (const auto& t : medium) writer.add(t.z, t.x, t.y, t.bytes);
    CHECK_THROWS_WITH_AS(writer.finish(png_info()), doctest::Contains("No space left on device"), core::IoError);
  }
  CHECK(names_in(disk.path()) == std::vector<std::string>{"filler"});
  // And with room for both it succeeds, to the byte the reference run wrote.
  disk.leave_free(page(2 * size + 64 * 1024));
  write(out, medium, png_info());
  CHECK(core::read_file(out) == core::read_file(dir / "reference.pmtiles"));
}

TEST_CASE("pmtiles writer: a process killed mid-archive leaves only temporaries, which the stale sweep removes") {
  test::ScratchDir dir;
  const std::string out = dir / "out.pmtiles";
  const auto tiles = test::pyramid_tiles(6, 600, 1);  // > 1 MiB: the spool has reached the disk
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    pmtiles::ArchiveWriter writer(out);
    for (const auto& t : tiles) writer.add(t.z, t.x, t.y, t.bytes);
    ::_exit(0);  // like kill -9: no destructor runs
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK_FALSE(fs::exists(out));
  const auto left = names_in(dir.path());
  REQUIRE(left.size() == 1);
  CHECK(left.front().rfind(".out.pmtiles.tmp-" + std::to_string(child) + "-", 0) == 0);
  core::remove_stale_temporaries(dir.path(), "out.pmtiles");
  CHECK(fs::is_empty(dir.path()));
}
