// Memory aligned for direct I/O, grown on demand: what O_DIRECT writes need and a tile pool reuses.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#include "core/files.hpp"

namespace swath::core {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  // At least `size` bytes at a direct_io_alignment boundary (earlier contents are not kept when it grows).
  std::byte* reserve(std::size_t size) {
    if (size > capacity_) {
      std::free(data_);
      data_ = nullptr;
      capacity_ = 0;
      const std::size_t rounded = (size + direct_io_alignment - 1) / direct_io_alignment * direct_io_alignment;
      data_ = static_cast<std::byte*>(std::aligned_alloc(direct_io_alignment, rounded));
      if (data_ == nullptr) throw std::bad_alloc();
      capacity_ = rounded;
    }
    return data_;
  }

 private:
  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace swath::core
