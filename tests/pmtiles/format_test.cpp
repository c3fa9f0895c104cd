// PMTiles header and directory bytes, varints, gzip framing and the root/leaf split.
#include <doctest/doctest.h>

#include "core/errors.hpp"
#include "pmtiles/format.hpp"
#include "pmtiles/gzip.hpp"

using namespace swath;
using pmtiles::Entry;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

}  // namespace

TEST_CASE("pmtiles varints: the reference reader's test vectors") {
  std::string out;
  for (const std::uint64_t v : {0ull, 1ull, 127ull, 624485ull}) pmtiles::append_varint(out, v);
  CHECK(out == bytes({0, 1, 127, 0xe5, 0x8e, 0x26}));
  out.clear();
  pmtiles::append_varint(out, 9007199254740991ull);  // 2^53 - 1, the largest a JavaScript reader takes exactly
  CHECK(out == bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST_CASE("pmtiles header: 127 bytes at the spec's offsets, and back") {
  pmtiles::Header h;
  h.root_offset = 127;
  h.root_length = 25;
  h.metadata_offset = 152;
  h.metadata_length = 247;
  h.tile_data_offset = 399;
  h.tile_data_length = 69;
  h.addressed_tiles = h.tile_entries = h.tile_contents = 1;
  h.clustered = true;
  h.tile_type = pmtiles::TileType::png;
  h.max_zoom = 14;
  h.min_lon_e7 = -1800000000;
  h.max_lat_e7 = 850511288;
  h.center_zoom = 3;
  h.center_lat_e7 = -123;
  const std::string b = pmtiles::serialize_header(h);
  REQUIRE(b.size() == 127);
  CHECK(b.substr(0, 8) == "PMTiles\x03");
  CHECK(b.substr(8, 8) == bytes({127, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(b.substr(56, 8) == bytes({0x8f, 1, 0, 0, 0, 0, 0, 0}));  // 399
  CHECK(b[96] == 1);                                             // clustered
  CHECK(b[97] == 2);                                             // internal compression gzip
  CHECK(b[98] == 1);                                             // tiles not compressed
  CHECK(b[99] == 2);                                             // png
  CHECK(b[101] == 14);
  CHECK(b.substr(102, 4) == bytes({0x00, 0x2e, 0xb6, 0x94}));  // -1,800,000,000 little-endian two's complement
  CHECK(b.substr(123, 4) == bytes({0x85, 0xff, 0xff, 0xff}));  // -123
  CHECK(pmtiles::parse_header(b, "test") == h);

  CHECK_THROWS_AS(pmtiles::parse_header(b.substr(0, 100), "test"), core::DataError);
  std::string wrong = b;
  wrong[7] = 2;
  CHECK_THROWS_WITH_AS(pmtiles::parse_header(wrong, "test"), doctest::Contains("version 2"), core::DataError);
  wrong = b;
  wrong[0] = 'X';
  CHECK_THROWS_AS(pmtiles::parse_header(wrong, "test"), core::DataError);
}

TEST_CASE("pmtiles directory: columns of varints, offset 0 when a blob follows the previous one") {
  const std::vector<Entry> entries = {{0, 0, 10, 1}, {1, 10, 20, 1}, {5, 0, 10, 2}, {300, 30, 200, 1}};
  const std::string b = pmtiles::serialize_directory(entries);
  CHECK(b == bytes({4,                       // entries
                    0, 1, 4, 0xa7, 0x02,     // tile id deltas (295 = a7 02)
                    1, 1, 2, 1,              // run lengths
                    10, 20, 10, 0xc8, 0x01,  // lengths (200 = c8 01)
                    1, 0, 1, 31}));          // offsets: 0+1, follows, 0+1 (points back), 30+1 (not right after 0+10)
  CHECK(pmtiles::parse_directory(b, "test") == entries);

  CHECK_THROWS_AS(pmtiles::parse_directory(b.substr(0, b.size() - 1), "test"), core::DataError);
  CHECK_THROWS_AS(pmtiles::parse_directory(b + "x", "test"), core::DataError);
  CHECK_THROWS_AS(pmtiles::parse_directory(bytes({0}), "test"), core::DataError);  // a directory is never empty
}

TEST_CASE("pmtiles gzip: a deterministic gzip member that inflates back and whose checksum is checked") {
  CHECK(pmtiles::crc32("123456789") == 0xCBF43926u);  // the CRC-32 check value
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::to_string(i * 7919 % 1000) + ",";
  const std::string gz = pmtiles::gzip_compress(text);
  CHECK(gz.substr(0, 4) == bytes({0x1f, 0x8b, 8, 0}));
  CHECK(gz.size() < text.size() / 2);
  CHECK(gz == pmtiles::gzip_compress(text));
  CHECK(pmtiles::gzip_decompress(gz, "test") == text);
  std::string bad = gz;
  bad[bad.size() - 6] = static_cast<char>(bad[bad.size() - 6] ^ 1);  // flip a CRC bit
  CHECK_THROWS_AS(pmtiles::gzip_decompress(bad, "test"), core::DataError);
  CHECK_THROWS_AS(pmtiles::gzip_decompress("not gzip at all", "test"), core::DataError);
}

TEST_CASE("pmtiles directories: all in the root when it fits, else leaves that hold every entry in order") {
  std::vector<Entry> entries;
  std::uint64_t offset = 0;
  std::uint32_t length = 17;
  for (std::uint64_t id = 0; id < 20000; id += 1 + id % 3) {
    length = length * 1103515245u + 12345u;
    const std::uint32_t size = 1 + length % 5000;
    entries.push_back({id, offset, size, 1 + static_cast<std::uint32_t>(id % 2)});
    offset += size;
  }
  const auto single = pmtiles::build_directories({entries.begin(), entries.begin() + 50});
  CHECK(single.leaf_count == 0);
  CHECK(single.leaves.empty());
  CHECK(pmtiles::parse_directory(pmtiles::gzip_decompress(single.root, "root"), "root").size() == 50);

  const auto split = pmtiles::build_directories(entries, 40);  // a budget no full root meets
  REQUIRE(split.leaf_count >= 2);
  CHECK(split.root.size() <= 40);
  const auto root = pmtiles::parse_directory(pmtiles::gzip_decompress(split.root, "root"), "root");
  REQUIRE(root.size() == split.leaf_count);
  std::vector<Entry> all;
  std::uint64_t leaf_end = 0;
  for (const Entry& pointer : root) {
    CHECK(pointer.run_length == 0);
    CHECK(pointer.offset == leaf_end);  // leaves are back to back
    leaf_end = pointer.offset + pointer.length;
    const auto leaf = pmtiles::parse_directory(
        pmtiles::gzip_decompress(split.leaves.substr(pointer.offset, pointer.length), "leaf"), "leaf");
    CHECK(leaf.front().tile_id == pointer.tile_id);
    all.insert(all.end(), leaf.begin(), leaf.end());
  }
  CHECK(leaf_end == split.leaves.size());
  CHECK(all == entries);
  // The default budget: these entries' root alone is over 16 KiB compressed, so leaves appear there too.
  CHECK(pmtiles::gzip_compress(pmtiles::serialize_directory(entries)).size() > pmtiles::max_root_bytes);
  CHECK(pmtiles::build_directories(entries).leaf_count >= 2);
}
