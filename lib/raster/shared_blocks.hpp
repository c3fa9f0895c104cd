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

// Windows laid out as a grid: every pairing of one column span (x, width) with one row span (y, height).
struct GridSpans {
  std::vector<std::pair<std::int64_t, std::int64_t>> columns, rows;
};

// The scene cut into chunks of whole blocks (at least ~256 pixels a side, so one-row strips do not become
// millions of chunks), and how many of the planned windows need each chunk. Pure: no I/O.
class ChunkPlan {
 public:
  ChunkPlan(const SceneInfo& info, const std::vector<core::Window>& planned);
  // A grid's windows, counted per chunk column and per chunk row: neither the windows nor the chunks are listed (a
  // 3-million-pixel-square scene has 137 M chunks; 32-px windows of a 100,000-pixel one are 17 M, 1.1 GB listed).
  ChunkPlan(const SceneInfo& info, const GridSpans& grid);

  std::int64_t chunk_width() const { return chunk_width_; }
  std::int64_t chunk_height() const { return chunk_height_; }
  std::int64_t columns() const { return columns_; }
  std::int64_t rows() const { return rows_; }
  // Chunk indices (row-major) a window touches inside the scene; none for a window wholly outside.
  std::vector<std::int64_t> chunks_of(const core::Window& window) const;
  core::Window chunk_window(std::int64_t chunk) const;
  // How many planned windows touch `chunk`.
  std::int64_t uses(std::int64_t chunk) const;

 private:
  ChunkPlan(const SceneInfo& info);
  std::int64_t scene_width_, scene_height_;
  std::int64_t chunk_width_, chunk_height_, columns_, rows_;
  std::vector<int> uses_;                             // per chunk, for a list of windows
  std::vector<std::int64_t> column_uses_, row_uses_;  // per chunk column and row, for a grid
};

// Reads the planned windows (each once, any order, any thread) of `bands` as `type`, band-sequential. A chunk is
// decoded by the first window that needs it, shared with the others, and freed after the last planned use; past
// `max_bytes` of decoded chunks, the least recently made unused ones are dropped and decoded again if needed.
// Windows that were not planned are read too, at the cost of a decode (a chunk one of them reads after its planned
// uses stays until the budget drops it). A chunk that cannot be decoded (a corrupt block) is not decoded again: a
// window that needs it reads its own pixels with WindowReader, so it fails only when the bad block is its own, with
// WindowReader's DataError naming it.
class SharedBlockReader {
 public:
  SharedBlockReader(std::string path, SceneInfo info, std::vector<int> bands, GDALDataType type, ChunkPlan planned,
                    std::size_t max_bytes);

  PixelBlock read(const core::Window& window, const std::vector<double>& fill) const;
  std::size_t decoded_chunks() const;  // decodes so far: equals the chunks needed when nothing was dropped

 private:
  struct Chunk {
    std::shared_ptr<const PixelBlock> pixels;  // null when the decode failed
    std::exception_ptr failure;                // a window that needs the chunk then reads its own pixels
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
  // Planned uses left, per chunk begun (a chunk is in it from its first release to its last): not one per chunk of
  // the scene.
  mutable std::unordered_map<std::int64_t, std::int64_t> remaining_;
  mutable std::size_t live_bytes_ = 0;
  mutable std::uint64_t decodes_ = 0;
};

}  // namespace swath::raster
