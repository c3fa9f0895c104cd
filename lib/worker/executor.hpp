// A fixed pool of threads running jobs; finished outcomes are collected by the worker's main loop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace swath::worker {

template <class Job, class Outcome>
class Executor {
 public:
  Executor(int threads, std::function<Outcome(const Job&)> run) : run_(std::move(run)) {
    for (int i = 0; i < threads; ++i) start_thread();
  }
  // Joins the threads; one stuck in an abandoned job is detached instead (the caller keeps what that job
  // references alive: see run_worker).
  ~Executor() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& slot : slots_) {
      std::unique_lock lock(mutex_);
      const bool stuck = slot.abandoned && !slot.exited;
      lock.unlock();
      if (stuck)
        slot.thread.detach();
      else
        slot.thread.join();
    }
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

  // Gives up on the running jobs `matches` selects (they overran their time limit): they no longer count as
  // running, their outcomes are dropped when they end, and a new thread takes each one's place, since a
  // thread blocked in a system call cannot be stopped. Returns copies of the jobs abandoned.
  std::vector<Job> abandon(const std::function<bool(const Job&)>& matches) {
    std::lock_guard lock(mutex_);
    std::vector<Job> out;
    for (auto& slot : slots_) {
      if (slot.job == nullptr || slot.abandoned || !matches(*slot.job)) continue;
      slot.abandoned = true;
      --running_;
      out.push_back(*slot.job);
    }
    for (std::size_t i = 0; i < out.size(); ++i) start_thread();
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
  // Threads still inside an abandoned job.
  std::size_t stuck() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& slot : slots_) n += slot.abandoned && !slot.exited ? 1 : 0;
    return n;
  }

 private:
  struct Slot {
    std::thread thread;
    const Job* job = nullptr;  // the job this thread runs, if any
    bool abandoned = false;    // its job was given up: the thread ends when the job returns
    bool exited = false;
  };

  void start_thread() {  // with mutex_ held, or before any thread runs
    Slot& slot = slots_.emplace_back();
    slot.thread = std::thread([this, &slot] { loop(slot); });
  }

  void loop(Slot& slot) {
    std::unique_lock lock(mutex_);
    while (true) {
      work_ready_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (stopping_) break;  // jobs still queued are abandoned: their leases expire and they run elsewhere
      Job job = std::move(queued_.front());
      queued_.pop_front();
      ++running_;
      slot.job = &job;
      lock.unlock();
      Outcome outcome = run_(job);
      lock.lock();
      slot.job = nullptr;
      if (slot.abandoned) break;  // its replacement runs the next jobs
      --running_;
      done_.push_back(std::move(outcome));
      done_ready_.notify_all();
    }
    slot.exited = true;
  }

  std::function<Outcome(const Job&)> run_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable done_ready_;
  std::deque<Job> queued_;
  std::vector<Outcome> done_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::list<Slot> slots_;  // a list: slots keep their address while threads are added
};

}  // namespace swath::worker
