// tile_memory: a pool of aligned buffers for encoded tiles, handed back when their EncodedTile is gone.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include "core/files.hpp"
#include "tiling/encode.hpp"

namespace swath::tiling {

namespace {

class AlignedBuffer {
 public:
  ~AlignedBuffer() { std::free(data_); }
  std::byte* reserve(std::size_t size) {
    if (size > capacity_) {
      std::free(data_);
      capacity_ = (size + core::direct_io_alignment - 1) / core::direct_io_alignment * core::direct_io_alignment;
      data_ = static_cast<std::byte*>(std::aligned_alloc(core::direct_io_alignment, capacity_));
      if (data_ == nullptr) throw std::bad_alloc();
    }
    return data_;
  }

 private:
  std::byte* data_ = nullptr;
  std::size_t capacity_ = 0;
};

class BufferPool {
 public:
  TileMemory lease(std::size_t size) {
    std::unique_ptr<AlignedBuffer> buffer;
    {
      const std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        buffer = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!buffer) buffer = std::make_unique<AlignedBuffer>();
    std::byte* data = buffer->reserve(size);
    return {data, std::shared_ptr<void>(buffer.release(), [this](void* b) { give_back(static_cast<AlignedBuffer*>(b)); })};
  }

 private:
  void give_back(AlignedBuffer* buffer) {
    std::unique_ptr<AlignedBuffer> owned(buffer);
    const std::lock_guard lock(mutex_);
    free_.push_back(std::move(owned));
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<AlignedBuffer>> free_;
};

}  // namespace

TileMemory tile_memory(std::size_t size) {
  static auto* const pool = new BufferPool;  // never destroyed: a tile may be let go during exit
  return pool->lease(size);
}

}  // namespace swath::tiling
