// TileWriter: a queue of encoded tiles and the threads that write them.
#include "tiling/tile_writer.hpp"

#include <algorithm>
#include <system_error>

#include "core/files.hpp"

namespace swath::tiling {

WriterLimits writer_limits(int tiling_threads, std::size_t max_memory, std::size_t bytes_per_tile) {
  const std::size_t held = std::max<std::size_t>(2, max_memory / 4 / std::max<std::size_t>(1, bytes_per_tile / 2));
  const auto threads = static_cast<std::size_t>(std::max(tiling_threads, 1));
  const std::size_t writers = threads < 2 ? 0 : std::min(2 * threads, held - 1);
  return {writers, held - writers};
}

TileWriter::TileWriter(std::size_t threads, std::size_t max_queued)
    : max_threads_(threads), max_queued_(std::max<std::size_t>(max_queued, 1)) {
  if (max_threads_ == 0) return;
  const std::lock_guard lock(mutex_);
  start_writer();  // no thread at all: the error goes to the caller (nothing is running yet)
}

void TileWriter::start_writer() {
  threads_.emplace_back([this] { run(); });
}

std::size_t TileWriter::writers() const {
  const std::lock_guard lock(mutex_);
  return threads_.size();
}

TileWriter::~TileWriter() { close(); }

void TileWriter::write(const std::string& path, const EncodedTile& tile, std::promise<void>& done) {
  try {
    // Hashes in the manifest catch a file torn by a power cut, so tiles skip the per-file fsync.
    core::write_file_atomic(path, tile.bytes(), core::Durability::uncached);
    done.set_value();
  } catch (...) {
    failed_.store(true, std::memory_order_relaxed);
    done.set_exception(std::current_exception());
  }
}

void TileWriter::close() {
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

std::future<void> TileWriter::submit(std::string path, EncodedTile tile) {
  std::promise<void> done;
  auto future = done.get_future();
  if (max_threads_ == 0) {  // not threads_: other submitters may be adding a writer to it
    const Timed timed(times_.write);
    write(path, tile, done);
    return future;
  }
  {
    std::unique_lock lock(mutex_);
    if (queue_.size() >= max_queued_) {
      const Timed timed(times_.queue_wait);
      space_.wait(lock, [this] { return queue_.size() < max_queued_; });
    }
    queue_.push_back(Job{std::move(path), std::move(tile), std::move(done)});
    // More tiles wait than writers are free to take them: one more write at once, while the cap allows.
    // A thread that cannot be started leaves the writers there are to do the work.
    if (queue_.size() > threads_.size() - busy_ && threads_.size() < max_threads_) {
      try {
        start_writer();
      } catch (const std::system_error&) {}
    }
  }
  wake_.notify_one();
  return future;
}

void TileWriter::run() {
  for (bool wrote = false;; wrote = true) {
    std::unique_lock lock(mutex_);
    if (wrote) --busy_;
    if (!closing_ && queue_.empty()) {
      const Timed timed(times_.idle);
      wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    }
    if (closing_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    space_.notify_one();
    const Timed timed(times_.write);
    write(job.path, job.tile, job.done);
  }
}

}  // namespace swath::tiling
