// The reference reader (npm `pmtiles`, tests/pmtiles-reader) opens what ArchiveWriter writes and finds every tile.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "archive_support.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "pmtiles/archive_writer.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

struct Listing {
  core::Json header;
  core::Json metadata;
  std::map<std::string, std::string> tiles;  // "z/x/y" → sha256
  std::size_t leaves = 0;
};

// Runs tests/pmtiles-reader/list.mjs, installed by `make setup`.
Listing list_with_npm_reader(const std::string& archive) {
  const std::string dir = std::string(SWATH_SOURCE_DIR) + "/tests/pmtiles-reader";
  REQUIRE_MESSAGE(fs::exists(dir + "/node_modules/pmtiles"), "run `make setup` to install the PMTiles reader");
  const auto r = test::run({"node", dir + "/list.mjs", archive});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Listing out;
  for (const auto& line : test::lines(r.out)) {
    const auto space = line.find(' ');
    const std::string kind = line.substr(0, space);
    const std::string rest = line.substr(space + 1);
    if (kind == "header") out.header = core::Json::parse(rest);
    if (kind == "metadata") out.metadata = core::Json::parse(rest);
    if (kind == "leaves") out.leaves = std::stoul(rest);
    if (kind == "tile") {
      std::istringstream in(rest);
      std::string z, x, y, sha;
      in >> z >> x >> y >> sha;
      const auto [it, inserted] = out.tiles.emplace(z + "/" + x + "/" + y, sha);
      CHECK_MESSAGE(inserted, "listed twice: " << it->first);
    }
  }
  return out;
}

}  // namespace

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

  const Listing listing = list_with_npm_reader(dir / "p.pmtiles");
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
