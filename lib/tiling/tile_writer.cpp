// TileWriter: a queue of encoded tiles and the threads that write them.
#include "tiling/tile_writer.hpp"

#include "core/files.hpp"

namespace swath::tiling {

namespace {

void write(const std::string& path, const EncodedTile& tile, std::promise<void>& done) {
  try {
    // Hashes in the manifest catch a file torn by a power cut, so tiles skip the per-file fsync.
    core::write_file_atomic(path, tile.bytes(), core::Durability::uncached);
    done.set_value();
  } catch (...) {
    done.set_exception(std::current_exception());
  }
}

}  // namespace

TileWriter::TileWriter(std::size_t threads, std::size_t max_queued) : max_queued_(std::max<std::size_t>(max_queued, 1)) {
  try {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  } catch (...) {  // no thread for the next writer: stop the ones already running before giving up
    close();
    throw;
  }
}

TileWriter::~TileWriter() { close(); }

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
  if (threads_.empty()) {
    write(path, tile, done);
    return future;
  }
  {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return queue_.size() < max_queued_; });
    queue_.push_back(Job{std::move(path), std::move(tile), std::move(done)});
  }
  wake_.notify_one();
  return future;
}

void TileWriter::run() {
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (closing_) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    space_.notify_one();
    write(job.path, job.tile, job.done);
  }
}

}  // namespace swath::tiling
