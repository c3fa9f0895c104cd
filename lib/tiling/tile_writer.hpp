// Puts encoded tiles into place on threads of its own, so tiling threads never wait for the disk.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tiling/encode.hpp"
#include "tiling/stage_clock.hpp"

namespace swath::tiling {

// Tiles are written around the page cache (core::Durability::uncached), which makes each write wait for
// the device: on the tiling threads that idles a core for a tenth of the run. Here the waits overlap the
// encoding of the next tiles. One write at a time does not keep a device busy (each waits for its own
// completion: on the development VM one writer took 0.41-0.49 s for 144 tiles of 786 KB, two 0.31 s, three
// or four 0.20-0.33 s), so writers are added while tiles wait with every writer busy, up to `threads`:
// a device that keeps up with one gets one, a slower one as many writes at once as the cap allows. The
// writer threads come on top of the tiling threads (they mostly wait). The caller records a tile only once
// its future is ready, so nothing names a file before it is complete under its final name.
class TileWriter {
 public:
  // Up to `threads` writer threads (one from the start, more as tiles wait for one); with none, submit()
  // writes on the caller's thread (a run told to use one thread uses one). submit() waits while
  // `max_queued` tiles wait for a writer (their memory is bounded like the pipeline's).
  TileWriter(std::size_t threads, std::size_t max_queued);
  // Writes already started finish; queued ones are dropped (their files never appear, their futures break).
  ~TileWriter();
  TileWriter(const TileWriter&) = delete;
  TileWriter& operator=(const TileWriter&) = delete;

  // Queues `tile` for `path` (atomically, via a temporary); get() on the future rethrows the write's IoError.
  std::future<void> submit(std::string path, EncodedTile tile);

  // Whether a write has failed: the run stops taking tiles (a full disk fails the ones after it too).
  bool failed() const { return failed_.load(std::memory_order_relaxed); }

  // Where its threads and its callers spent their time (thread-seconds so far).
  struct Times {
    StageClock queue_wait;  // submit() waiting for room in the queue
    StageClock write;       // writing tiles into place
    StageClock idle;        // writer threads waiting for a tile
  };
  const Times& times() const { return times_; }
  // Writer threads started so far (at most the `threads` it was made with).
  std::size_t writers() const;

 private:
  struct Job {
    std::string path;
    EncodedTile tile;
    std::promise<void> done;
  };
  void run();
  void close();
  void write(const std::string& path, const EncodedTile& tile, std::promise<void>& done);
  void start_writer();  // with mutex_ held

  mutable std::mutex mutex_;
  std::condition_variable wake_;   // writers: a tile or closing
  std::condition_variable space_;  // submitters: room in the queue
  const std::size_t max_threads_;
  std::size_t max_queued_;
  std::deque<Job> queue_;
  std::size_t busy_ = 0;  // writer threads writing a tile
  bool closing_ = false;
  std::atomic<bool> failed_ = false;
  std::vector<std::thread> threads_;
  Times times_;
};

// A run's writer: how many writer threads at most and how many tiles may wait for one, for `tiling_threads`
// (resolved, ≥ 1) whose tiles in flight hold `bytes_per_tile` each. The writer's share of `max_memory` is a
// quarter (a run stays within 1.25 times it), and a tile it holds, waiting or being written, holds its encoded
// bytes only, at most about half of a tile in flight. Within that: up to two writes at once per tiling thread
// (added only while tiles wait, see TileWriter), the rest a queue, so a device that stalls for a moment does
// not stall the decoding. One tiling thread writes on its own (no writer threads).
struct WriterLimits {
  std::size_t threads = 0;
  std::size_t max_queued = 1;
};
WriterLimits writer_limits(int tiling_threads, std::size_t max_memory, std::size_t bytes_per_tile);

}  // namespace swath::tiling
