// tile_memory: a pool of aligned buffers for encoded tiles, handed back when their EncodedTile is gone.
#include <memory>
#include <mutex>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "tiling/encode.hpp"

namespace swath::tiling {

namespace {

class BufferPool {
 public:
  TileMemory lease(std::size_t size) {
    std::unique_ptr<core::AlignedBuffer> buffer;
    {
      const std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        buffer = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!buffer) buffer = std::make_unique<core::AlignedBuffer>();
    std::byte* data = buffer->reserve(size);
    return {data, std::shared_ptr<void>(buffer.release(),
                                        [this](void* b) { give_back(static_cast<core::AlignedBuffer*>(b)); })};
  }

 private:
  void give_back(core::AlignedBuffer* buffer) {
    std::unique_ptr<core::AlignedBuffer> owned(buffer);
    const std::lock_guard lock(mutex_);
    free_.push_back(std::move(owned));
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<core::AlignedBuffer>> free_;
};

}  // namespace

TileMemory tile_memory(std::size_t size) {
  static auto* const pool = new BufferPool;  // never destroyed: a tile may be let go during exit
  return pool->lease(size);
}

}  // namespace swath::tiling
