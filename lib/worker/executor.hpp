// A fixed pool of threads running jobs; finished outcomes are collected by the worker's main loop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace swath::worker {

template <class Job, class Outcome>
class Executor {
 public:
  Executor(int threads, std::function<Outcome(const Job&)> run) : run_(std::move(run)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~Executor() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // One lock and one wake-up per batch, not per job: leases arrive hundreds at a time.
  void submit(std::vector<Job> jobs) {
    {
      std::lock_guard lock(mutex_);
      for (auto& job : jobs) queued_.push_back(std::move(job));
    }
    work_ready_.notify_all();
  }

  // Waits until at least `min_count` outcomes are ready or `timeout` passes; returns what is ready.
  std::vector<Outcome> take(std::size_t min_count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    done_ready_.wait_for(lock, timeout, [&] { return done_.size() >= min_count; });
    std::vector<Outcome> out(std::make_move_iterator(done_.begin()), std::make_move_iterator(done_.end()));
    done_.clear();
    return out;
  }

  // Removes the jobs no thread has started (shutdown hands them back).
  std::vector<Job> cancel_queued() {
    std::lock_guard lock(mutex_);
    std::vector<Job> out(std::make_move_iterator(queued_.begin()), std::make_move_iterator(queued_.end()));
    queued_.clear();
    return out;
  }

  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queued_.size();
  }
  // Jobs queued or running, plus outcomes not yet taken.
  std::size_t busy() const {
    std::lock_guard lock(mutex_);
    return queued_.size() + running_ + done_.size();
  }
  std::size_t running() const {
    std::lock_guard lock(mutex_);
    return running_;
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      work_ready_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (stopping_) return;  // jobs still queued are abandoned: their leases expire and they run elsewhere
      Job job = std::move(queued_.front());
      queued_.pop_front();
      ++running_;
      lock.unlock();
      Outcome outcome = run_(job);
      lock.lock();
      --running_;
      done_.push_back(std::move(outcome));
      done_ready_.notify_all();
    }
  }

  std::function<Outcome(const Job&)> run_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable done_ready_;
  std::deque<Job> queued_;
  std::vector<Outcome> done_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace swath::worker
