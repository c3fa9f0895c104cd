// BlobIndex: the same number for the same digest, new numbers in order, across many table growths.
#include <doctest/doctest.h>

#include "core/sha256.hpp"
#include "pmtiles/blob_index.hpp"

using namespace swath;

namespace {

pmtiles::BlobIndex::Digest digest(int n) {
  core::Sha256 sha;
  sha.update(std::to_string(n));
  return sha.finish();
}

}  // namespace

TEST_CASE("pmtiles blob index: numbers blobs in first-seen order and finds them again after growing") {
  pmtiles::BlobIndex index;
  for (int n = 0; n < 50000; ++n) {
    const auto [number, inserted] = index.insert(digest(n));
    REQUIRE(inserted);
    REQUIRE(number == static_cast<std::uint32_t>(n));
  }
  for (int n = 0; n < 50000; n += 7) {
    const auto [number, inserted] = index.insert(digest(n));
    REQUIRE_FALSE(inserted);
    REQUIRE(number == static_cast<std::uint32_t>(n));
  }
  // Digests that share their first 8 bytes (the slot) are still told apart by the rest.
  auto a = digest(1);
  auto b = a;
  b[31] ^= 1;
  pmtiles::BlobIndex small;
  CHECK(small.insert(a) == std::pair<std::uint32_t, bool>{0, true});
  CHECK(small.insert(b) == std::pair<std::uint32_t, bool>{1, true});
  CHECK(small.insert(a) == std::pair<std::uint32_t, bool>{0, false});
  CHECK(small.insert(b) == std::pair<std::uint32_t, bool>{1, false});
  CHECK(index.size() == 50000);
  index.release();
  CHECK(index.size() == 0);
  CHECK(index.insert(digest(3)) == std::pair<std::uint32_t, bool>{0, true});
}
