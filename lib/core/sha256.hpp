// SHA-256 (FIPS 180-4) for content hashes in manifests, task ids and option hashes.
// Uses the CPU's SHA extensions when present (GB/s, so hashing every tile costs little), else portable code.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace swath::core {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  std::array<std::uint8_t, 32> finish();
  std::string finish_hex();

 private:
  void compress(const std::uint8_t* blocks, std::size_t count);
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view data);

namespace detail {
// The two implementations of the compression function, exposed so tests can compare them.
void compress_portable(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t count);
// Returns false (and does nothing) when the CPU lacks the SHA extensions.
bool compress_accelerated(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t count);
}  // namespace detail

}  // namespace swath::core
