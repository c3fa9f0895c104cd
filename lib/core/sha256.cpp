// SHA-256 compression function and helpers.
#include "core/sha256.hpp"

#include <cpl_vsi.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "core/errors.hpp"

namespace swath::core {

void Sha256::Free::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) throw std::bad_alloc();
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size > 0) EVP_DigestUpdate(context_.get(), data, size);
}

std::array<std::uint8_t, 32> Sha256::finish() {
  std::array<std::uint8_t, 32> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context_.get(), digest.data(), &length);
  return digest;
}

std::string Sha256::finish_hex() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const auto byte : finish()) {
    out += hex[byte >> 4];
    out += hex[byte & 0xF];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.finish_hex();
}

std::string sha256_file_hex(const std::string& path) {
  std::unique_ptr<VSILFILE, int (*)(VSILFILE*)> file(VSIFOpenL(path.c_str(), "rb"), VSIFCloseL);
  if (!file) throw IoError("cannot read '" + path + "'", "no such file or not readable");
  Sha256 hasher;
  std::vector<char> buffer(1 << 16);
  while (true) {
    const std::size_t n = VSIFReadL(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0) hasher.update(buffer.data(), n);
    if (n < buffer.size()) break;
  }
  return hasher.finish_hex();
}

}  // namespace swath::core
