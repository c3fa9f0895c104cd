// The reference reader (npm `pmtiles`, tests/pmtiles-reader) opens what ArchiveWriter writes and finds every tile.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "archive_support.hpp"
#include "core/sha256.hpp"
#include "pmtiles/archive_writer.hpp"
#include "support/pmtiles_reader.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("pmtiles npm reader: every tile of a pyramid with leaf directories, and the header fields") {
  test::ScratchDir dir;
  // Zooms 0-7 (21,845 tiles): too many entries for a 16 KiB root, so the writer needs leaf directories.
  const auto tiles = test::pyramid_tiles(7, 200, 3);
  pmtiles::ArchiveInfo info;
  info.tile_type = pmtiles::TileType::png;
  info.metadata.set("name", "swath test");
  info.metadata.set("attribution", "synthetic");
  info.bounds = pmtiles::Bounds{-180, -85.0511, 180, 85.0511};
  info.center = pmtiles::Center{12.5, -3.25, 4};
  const auto summary = [&] {
    pmtiles::ArchiveWriter writer(dir / "p.pmtiles");
    for (const auto& t : tiles) writer.add(t.z, t.x, t.y, t.bytes);
    return writer.finish(info);
  }();
  REQUIRE(summary.leaf_directories >= 2);

  const test::PmtilesListing listing = test::list_with_npm_reader(dir / "p.pmtiles");
  CHECK(listing.leaves == summary.leaf_directories);
  std::map<std::string, std::string> expected;
  for (const auto& t : tiles) {
    expected[std::to_string(t.z) + "/" + std::to_string(t.x) + "/" + std::to_string(t.y)] = core::sha256_hex(t.bytes);
  }
  CHECK(listing.tiles.size() == expected.size());
  std::size_t mismatched = 0;
  for (const auto& [zxy, sha] : expected) {
    const auto it = listing.tiles.find(zxy);
    if (it == listing.tiles.end() || it->second != sha) ++mismatched;
  }
  CHECK(mismatched == 0);

  const core::Json& h = listing.header;
  CHECK(h.at("specVersion").as_int() == 3);
  CHECK(h.at("rootDirectoryOffset").as_int() == 127);
  CHECK(h.at("numAddressedTiles").as_int() == static_cast<std::int64_t>(tiles.size()));
  CHECK(h.at("numTileEntries").as_int() == static_cast<std::int64_t>(summary.tile_entries));
  CHECK(h.at("numTileContents").as_int() == static_cast<std::int64_t>(summary.tile_contents));
  CHECK(h.at("numTileContents").as_int() < static_cast<std::int64_t>(tiles.size()));
  CHECK(h.at("clustered").as_bool());
  CHECK(h.at("internalCompression").as_int() == 2);
  CHECK(h.at("tileCompression").as_int() == 1);
  CHECK(h.at("tileType").as_int() == 2);
  CHECK(h.at("minZoom").as_int() == 0);
  CHECK(h.at("maxZoom").as_int() == 7);
  CHECK(h.at("minLon").as_double() == -180.0);
  CHECK(h.at("maxLat").as_double() == 85.0511);
  CHECK(h.at("centerZoom").as_int() == 4);
  CHECK(h.at("centerLon").as_double() == 12.5);
  CHECK(h.at("centerLat").as_double() == -3.25);
  CHECK(listing.metadata == core::Json::parse("{\"name\":\"swath test\",\"attribution\":\"synthetic\"}"));
}
