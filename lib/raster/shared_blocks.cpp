// Chunks decoded once and shared between threads: planned use counts free them, a byte budget bounds them.
#include "raster/shared_blocks.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

#include "core/errors.hpp"

namespace swath::raster {

namespace {

// Whole blocks, at least `floor` pixels, at most the scene.
std::int64_t chunk_side(int block, std::int64_t floor, std::int64_t scene) {
  const std::int64_t b = std::max(1, block);
  return std::min(scene, std::max<std::int64_t>(1, (floor + b - 1) / b) * b);
}

constexpr std::int64_t kChunkFloor = 256;

}  // namespace

ChunkPlan::ChunkPlan(const SceneInfo& info)
    : scene_width_(std::max<std::int64_t>(1, info.width)),
      scene_height_(std::max<std::int64_t>(1, info.height)),
      chunk_width_(chunk_side(info.block_width, kChunkFloor, scene_width_)),
      chunk_height_(chunk_side(info.block_height, kChunkFloor, scene_height_)),
      columns_((scene_width_ + chunk_width_ - 1) / chunk_width_),
      rows_((scene_height_ + chunk_height_ - 1) / chunk_height_) {}

ChunkPlan::ChunkPlan(const SceneInfo& info, const std::vector<core::Window>& planned) : ChunkPlan(info) {
  uses_.assign(static_cast<std::size_t>(columns_ * rows_), 0);
  for (const auto& window : planned) {
    for (const auto chunk : chunks_of(window)) ++uses_[static_cast<std::size_t>(chunk)];
  }
}

ChunkPlan::ChunkPlan(const SceneInfo& info, const GridSpans& grid) : ChunkPlan(info) {
  // Span by span, the chunk columns (rows) it covers inside the scene.
  const auto count = [](const auto& spans, std::int64_t scene, std::int64_t side, std::int64_t chunks) {
    std::vector<std::int64_t> uses(static_cast<std::size_t>(chunks), 0);
    for (const auto& [start, length] : spans) {
      const std::int64_t from = std::max<std::int64_t>(0, start);
      const std::int64_t to = std::min(scene, start + length);
      if (from >= to) continue;
      for (std::int64_t c = from / side; c <= (to - 1) / side; ++c) ++uses[static_cast<std::size_t>(c)];
    }
    return uses;
  };
  column_uses_ = count(grid.columns, scene_width_, chunk_width_, columns_);
  row_uses_ = count(grid.rows, scene_height_, chunk_height_, rows_);
}

std::int64_t ChunkPlan::uses(std::int64_t chunk) const {
  if (!uses_.empty()) return uses_[static_cast<std::size_t>(chunk)];
  // A window of the grid touches the chunk when its column span meets the chunk's column and its row span its row.
  return column_uses_[static_cast<std::size_t>(chunk % columns_)] *
         row_uses_[static_cast<std::size_t>(chunk / columns_)];
}

std::vector<std::int64_t> ChunkPlan::chunks_of(const core::Window& window) const {
  const core::Window inside = window.intersect({0, 0, scene_width_, scene_height_});
  std::vector<std::int64_t> out;
  if (inside.empty()) return out;
  for (std::int64_t r = inside.y / chunk_height_; r <= (inside.y + inside.height - 1) / chunk_height_; ++r) {
    for (std::int64_t c = inside.x / chunk_width_; c <= (inside.x + inside.width - 1) / chunk_width_; ++c) {
      out.push_back(r * columns_ + c);
    }
  }
  return out;
}

core::Window ChunkPlan::chunk_window(std::int64_t chunk) const {
  const core::Window w{(chunk % columns_) * chunk_width_, (chunk / columns_) * chunk_height_, chunk_width_,
                       chunk_height_};
  return w.intersect({0, 0, scene_width_, scene_height_});
}

SharedBlockReader::SharedBlockReader(std::string path, SceneInfo info, std::vector<int> bands, GDALDataType type,
                                     ChunkPlan planned, std::size_t max_bytes)
    : reader_(std::move(path), info),
      bands_(std::move(bands)),
      type_(type),
      plan_(std::move(planned)),
      max_bytes_(max_bytes) {}

PixelBlock SharedBlockReader::read(const core::Window& window, const std::vector<double>& fill) const {
  const auto& info = reader_.info();
  const core::Window inside = window.intersect({0, 0, info.width, info.height});
  PixelBlock out = padded_block(window, {0, 0, info.width, info.height}, bands_, type_, fill, Layout::band_sequential);
  const auto chunks = plan_.chunks_of(window);
  // This window's planned use of every chunk ends here, whether or not its pixels could be read.
  struct ReleaseAll {
    const SharedBlockReader& reader;
    const std::vector<std::int64_t>& chunks;
    ~ReleaseAll() {
      for (const auto c : chunks) reader.release(c);
    }
  } release_all{*this, chunks};
  const std::size_t sample = out.sample_bytes();
  for (const auto chunk : chunks) {
    std::shared_ptr<const PixelBlock> pixels;
    try {
      pixels = acquire(chunk);
    } catch (const core::DataError&) {
      // A chunk is ~256 px a side: one corrupt block in it need not be in this window. The window's own read says
      // which (the same error, naming this window, when its pixels are the unreadable ones).
      return reader_.read(window, bands_, type_, fill, Layout::band_sequential);
    }
    const core::Window from = pixels->window;
    const core::Window part = inside.intersect(from);
    for (std::size_t b = 0; b < bands_.size(); ++b) {
      for (std::int64_t y = part.y; y < part.y + part.height; ++y) {
        std::memcpy(out.sample_at(b, y - window.y) + static_cast<std::size_t>(part.x - window.x) * sample,
                    pixels->sample_at(b, y - from.y) + static_cast<std::size_t>(part.x - from.x) * sample,
                    static_cast<std::size_t>(part.width) * sample);
      }
    }
  }
  return out;
}

std::shared_ptr<const PixelBlock> SharedBlockReader::acquire(std::int64_t chunk) const {
  std::unique_lock lock(mutex_);
  for (auto it = chunks_.find(chunk); it != chunks_.end(); it = chunks_.find(chunk)) {
    if (it->second.ready) {
      if (!it->second.pixels) std::rethrow_exception(it->second.failure);
      return it->second.pixels;
    }
    decoded_.wait(lock);  // another thread is decoding it
  }
  chunks_[chunk];  // claimed: other threads wait for this decode instead of repeating it
  lock.unlock();
  std::shared_ptr<const PixelBlock> pixels;
  std::exception_ptr failure;
  try {
    pixels = std::make_shared<const PixelBlock>(reader_.read(plan_.chunk_window(chunk), bands_, type_, {}));
  } catch (...) {
    failure = std::current_exception();
  }
  lock.lock();
  auto& entry = chunks_[chunk];
  entry.ready = true;
  entry.pixels = pixels;
  entry.failure = failure;
  entry.made = ++decodes_;
  if (pixels) live_bytes_ += pixels->data.size();
  drop_unused_over_budget();
  decoded_.notify_all();
  if (failure) std::rethrow_exception(failure);
  return pixels;
}

void SharedBlockReader::release(std::int64_t chunk) const {
  std::lock_guard lock(mutex_);
  const auto left = remaining_.try_emplace(chunk, plan_.uses(chunk)).first;
  if (--left->second > 0) return;
  remaining_.erase(left);
  const auto it = chunks_.find(chunk);
  if (it == chunks_.end() || !it->second.ready) return;  // dropped already, or a window read twice is decoding it
  if (it->second.pixels) live_bytes_ -= it->second.pixels->data.size();
  chunks_.erase(it);
}

void SharedBlockReader::drop_unused_over_budget() const {
  while (live_bytes_ > max_bytes_) {
    auto oldest = chunks_.end();
    for (auto it = chunks_.begin(); it != chunks_.end(); ++it) {
      // use_count 1: no window is copying from it right now.
      if (it->second.ready && it->second.pixels && it->second.pixels.use_count() == 1 &&
          (oldest == chunks_.end() || it->second.made < oldest->second.made)) {
        oldest = it;
      }
    }
    if (oldest == chunks_.end()) return;  // everything live is in use: the in-flight windows bound it
    live_bytes_ -= oldest->second.pixels->data.size();
    chunks_.erase(oldest);
  }
}

std::size_t SharedBlockReader::decoded_chunks() const {
  std::lock_guard lock(mutex_);
  return decodes_;
}

}  // namespace swath::raster
