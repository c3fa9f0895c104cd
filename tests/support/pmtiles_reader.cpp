// list_with_npm_reader: runs tests/pmtiles-reader/list.mjs and parses its "header|metadata|leaves|tile ..." lines.
#include "support/pmtiles_reader.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "support/process.hpp"

namespace swath::test {

PmtilesListing list_with_npm_reader(const std::string& archive) {
  const std::string dir = std::string(SWATH_SOURCE_DIR) + "/tests/pmtiles-reader";
  REQUIRE_MESSAGE(std::filesystem::exists(dir + "/node_modules/pmtiles"),
                  "run `make setup` to install the PMTiles reader");
  const auto r = run({"node", dir + "/list.mjs", archive});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  PmtilesListing out;
  for (const auto& line : lines(r.out)) {
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

}  // namespace swath::test
