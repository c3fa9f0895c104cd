// SHA-256 against the FIPS 180-4 test vectors, in one piece and streamed.
#include <doctest/doctest.h>

#include <vector>

#include "core/sha256.hpp"

using swath::core::Sha256;
using swath::core::sha256_hex;

TEST_CASE("sha256: standard vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: every message length across the padding's block boundaries (0..199 bytes)") {
  // The digests of "", "a", "aa", ... joined and hashed again; the value is Python's hashlib's.
  std::string digests;
  for (std::size_t n = 0; n < 200; ++n) digests += sha256_hex(std::string(n, 'a'));
  CHECK(sha256_hex(digests) == "019f2b9f1af27a53a1f046da7e98af2c179f431e4b5bebb000e74040917a4123");
}

TEST_CASE("sha256: streaming in odd pieces equals one piece") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i * 31 % 251);
  Sha256 streamed;
  for (std::size_t pos = 0, step = 1; pos < data.size(); pos += step, step = step % 97 + 13) {
    streamed.update(std::string_view(data).substr(pos, step));
  }
  CHECK(streamed.finish_hex() == sha256_hex(data));
}

TEST_CASE("sha256: the CPU's SHA extensions and the portable code agree") {
  std::vector<std::uint8_t> data(64 * 37);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
  std::uint32_t portable[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  std::uint32_t accelerated[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  swath::core::detail::compress_portable(portable, data.data(), 37);
  if (!swath::core::detail::compress_accelerated(accelerated, data.data(), 37)) {
    MESSAGE("this CPU has no SHA extensions; only the portable code ran");
    return;
  }
  for (int i = 0; i < 8; ++i) CHECK(portable[i] == accelerated[i]);
}
