// Overlapping windows read from many threads with each block of the scene decoded once, not once per window and thread.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "raster/window_reader.hpp"

namespace swath::raster {

// The scene cut into chunks of whole blocks (at least ~256 pixels a side, so one-row strips do not become
// millions of chunks), and how many of the planned windows need each chunk. Pure: no I/O.
class ChunkPlan {
 public:
  ChunkPlan(const SceneInfo& info, const std::vector<core::Window>& planned);

  std::int64_t chunk_width() const { return chunk_width_; }
  std::int64_t chunk_height() const { return chunk_height_; }
  std::int64_t columns() const { return columns_; }
  std::int64_t rows() const { return rows_; }
  // Chunk indices (row-major) a window touches inside the scene; none for a window wholly outside.
  std::vector<std::int64_t> chunks_of(const core::Window& window) const;
  core::Window chunk_window(std::int64_t chunk) const;
  // How many planned windows touch `chunk`.
  int uses(std::int64_t chunk) const { return uses_[static_cast<std::size_t>(chunk)]; }

 private:
  std::int64_t scene_width_, scene_height_;
  std::int64_t chunk_width_, chunk_height_, columns_, rows_;
  std::vector<int> uses_;
};

// Reads the planned windows (each once, any order, any thread) of `bands` as `type`, band-sequential. A chunk is
// decoded by the first window that needs it, shared with the others, and freed after the last planned use; past
// `max_bytes` of decoded chunks, the least recently made unused ones are dropped and decoded again if needed.
// Windows that were not planned are read too, at the cost of a decode. Errors (a corrupt block) fail every
// window that needs the chunk, with the same DataError as WindowReader.
class SharedBlockReader {
 public:
  SharedBlockReader(std::string path, SceneInfo info, std::vector<int> bands, GDALDataType type,
                    const std::vector<core::Window>& planned, std::size_t max_bytes);

  PixelBlock read(const core::Window& window, const std::vector<double>& fill) const;
  std::size_t decoded_chunks() const;  // decodes so far: equals the chunks needed when nothing was dropped

 private:
  struct Chunk {
    std::shared_ptr<const PixelBlock> pixels;  // null when the decode failed
    std::exception_ptr failure;                // rethrown to every window that needs the chunk
    bool ready = false;
    std::uint64_t made = 0;  // order of decoding, for dropping the oldest first
  };
  std::shared_ptr<const PixelBlock> acquire(std::int64_t chunk) const;
  void release(std::int64_t chunk) const;
  void drop_unused_over_budget() const;  // with mutex_ held

  WindowReader reader_;
  std::vector<int> bands_;
  GDALDataType type_;
  ChunkPlan plan_;
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  mutable std::condition_variable decoded_;
  mutable std::unordered_map<std::int64_t, Chunk> chunks_;
  mutable std::vector<int> remaining_;  // planned uses left, per chunk
  mutable std::size_t live_bytes_ = 0;
  mutable std::uint64_t decodes_ = 0;
};

}  // namespace swath::raster
