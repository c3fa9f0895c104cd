// The distinct tile blobs seen so far, by SHA-256: a flat open-addressing table, so that deduplicating millions of
// tiles costs about 44 bytes per distinct blob (its digest and a slot or two), not a hash-map node each.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace swath::pmtiles {

class BlobIndex {
 public:
  using Digest = std::array<std::uint8_t, 32>;

  // The number of `digest`: the one it got when first inserted, else the next (0, 1, 2...); second: whether new.
  // Throws DataError past 2^32 - 2 distinct blobs.
  std::pair<std::uint32_t, bool> insert(const Digest& digest);
  std::size_t size() const { return digests_.size(); }
  // Frees the memory (once the writer no longer needs to look blobs up).
  void release();

 private:
  void grow();
  std::vector<Digest> digests_;
  std::vector<std::uint32_t> slots_;  // number + 1; 0 is an empty slot
};

}  // namespace swath::pmtiles
