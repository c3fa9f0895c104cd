// BlobIndex: linear probing over digest prefixes (SHA-256 bytes are uniform), load factor at most one half.
#include "pmtiles/blob_index.hpp"

#include <cstring>

#include "core/errors.hpp"

namespace swath::pmtiles {

namespace {

std::size_t slot_of(const BlobIndex::Digest& digest, std::size_t mask) {
  std::uint64_t prefix = 0;
  std::memcpy(&prefix, digest.data(), sizeof prefix);
  return static_cast<std::size_t>(prefix) & mask;
}

}  // namespace

std::pair<std::uint32_t, bool> BlobIndex::insert(const Digest& digest) {
  if ((digests_.size() + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t at = slot_of(digest, mask);
  for (; slots_[at] != 0; at = (at + 1) & mask) {
    if (digests_[slots_[at] - 1] == digest) return {slots_[at] - 1, false};
  }
  if (digests_.size() >= UINT32_MAX - 1) {
    throw core::DataError("a PMTiles archive", "more than 4,294,967,294 distinct tiles", "split the pyramid");
  }
  digests_.push_back(digest);
  slots_[at] = static_cast<std::uint32_t>(digests_.size());
  return {static_cast<std::uint32_t>(digests_.size() - 1), true};
}

void BlobIndex::grow() {
  slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = 0; i < digests_.size(); ++i) {
    std::size_t at = slot_of(digests_[i], mask);
    while (slots_[at] != 0) at = (at + 1) & mask;
    slots_[at] = static_cast<std::uint32_t>(i + 1);
  }
}

void BlobIndex::release() {
  // Not `= {}`: that is the initializer-list assignment, which keeps the capacity.
  std::vector<Digest>().swap(digests_);
  std::vector<std::uint32_t>().swap(slots_);
}

}  // namespace swath::pmtiles
