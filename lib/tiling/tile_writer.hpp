// Puts encoded tiles into place on threads of its own, so tiling threads never wait for the disk.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tiling/encode.hpp"

namespace swath::tiling {

// Tiles are written around the page cache (core::Durability::uncached), which makes each write wait for
// the device: on the tiling threads that idles a core for a tenth of the run. Here the waits overlap the
// encoding of the next tiles. The writer threads come on top of the tiling threads (they mostly wait).
// The caller records a tile only once its future is ready, so nothing names a file before it is complete
// under its final name.
class TileWriter {
 public:
  // With no threads, submit() writes on the caller's thread (a run told to use one thread uses one).
  // submit() waits while `max_queued` tiles wait for a writer (their memory is bounded like the pipeline's).
  TileWriter(std::size_t threads, std::size_t max_queued);
  // Writes already started finish; queued ones are dropped (their files never appear, their futures break).
  ~TileWriter();
  TileWriter(const TileWriter&) = delete;
  TileWriter& operator=(const TileWriter&) = delete;

  // Queues `tile` for `path` (atomically, via a temporary); get() on the future rethrows the write's IoError.
  std::future<void> submit(std::string path, EncodedTile tile);

 private:
  struct Job {
    std::string path;
    EncodedTile tile;
    std::promise<void> done;
  };
  void run();
  void close();

  std::mutex mutex_;
  std::condition_variable wake_;   // writers: a tile or closing
  std::condition_variable space_;  // submitters: room in the queue
  std::size_t max_queued_;
  std::deque<Job> queue_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace swath::tiling
