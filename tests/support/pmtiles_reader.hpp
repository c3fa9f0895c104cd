// Reading a PMTiles archive back with the reference reader: the npm `pmtiles` package run by
// tests/pmtiles-reader/list.mjs (installed by `make setup`, test-only).
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "core/json.hpp"

namespace swath::test {

struct PmtilesListing {
  core::Json header;                         // the reader's header object (specVersion, minZoom, ...)
  core::Json metadata;                       // the archive's JSON metadata
  std::map<std::string, std::string> tiles;  // "z/x/y" → sha256 of the tile's bytes
  std::size_t leaves = 0;                    // leaf directories
};

// Runs the reader on `archive`; fails the test (REQUIRE) when it is not installed or exits non-zero.
PmtilesListing list_with_npm_reader(const std::string& archive);

}  // namespace swath::test
