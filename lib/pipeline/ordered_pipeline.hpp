// The one pipeline skeleton: serial source → parallel work → serial in-order sink, on a TBB arena.
// The number of live tokens bounds memory; each item carries the log context of the source, restored
// in whichever thread runs its work and sink, so nothing leaks between items when TBB steals work.
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/cancel.hpp"
#include "log/context.hpp"

namespace swath::pipeline {

struct Limits {
  int threads = 0;             // 0: one per core
  std::size_t max_tokens = 0;  // items in flight at once; 0: 2 × threads
  // When to stop taking items. The CLI stops on SIGINT/SIGTERM; a fleet worker must not (it finishes a task
  // within --grace), so it supplies its own: lease lost or grace over.
  std::function<bool()> stop = core::cancel_requested;
};

// Tokens that fit `memory_budget` when one item holds `bytes_per_item`, at least 1 and at most 4 per thread.
std::size_t tokens_for_memory(std::size_t memory_budget, std::size_t bytes_per_item, int threads);

// Objects handed between pipeline stages as raw pointers, owned here until a stage takes them back.
template <class T>
class LiveSet {
 public:
  T* adopt(std::unique_ptr<T> object) {
    std::lock_guard lock(mutex_);
    T* raw = object.get();
    objects_.emplace(raw, std::move(object));
    return raw;
  }
  std::unique_ptr<T> release(T* raw) {
    std::lock_guard lock(mutex_);
    auto node = objects_.extract(raw);
    return std::move(node.mapped());
  }

 private:
  std::mutex mutex_;
  std::unordered_map<T*, std::unique_ptr<T>> objects_;
};

// Resolves 0 to the number of cores this process may use: those it may run on, at most its cgroup's CPU limit
// (a container's --cpus, a Kubernetes limit), rounded up.
int resolve_threads(int threads);

// The CPU limit of the cgroup file system at `root` (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us over
// cpu.cfs_period_us), rounded up to whole CPUs; nullopt when there is none. `membership` (/proc/self/cgroup's text)
// places the process below the root: the lowest limit on its cgroup, its parents and the root holds.
std::optional<int> cgroup_cpu_limit(const std::string& root, const std::string& membership = "");

// An item type with a `log::Context log_context` member carries that context (e.g. the source's plus
// scene and tile fields); any other item carries the source thread's context.
template <class Item>
log::Context context_of(const Item& item) {
  if constexpr (requires { item.log_context; }) {
    return item.log_context;
  } else {
    return log::current();
  }
}

// Runs source() until it returns nullopt (or limits.stop() says so), work(item) in parallel,
// sink(result) serially in source order. Exceptions propagate after the pipeline stops.
// Returns false when it stopped early because of limits.stop().
template <class Source, class Work, class Sink>
bool run_ordered(const Limits& limits, Source&& source, Work&& work, Sink&& sink) {
  using Item = typename std::invoke_result_t<Source&>::value_type;
  using Result = std::invoke_result_t<Work&, Item&>;
  struct CarriedItem {
    Item item;
    log::Context context;
  };
  struct CarriedResult {
    std::optional<Result> result;
    log::Context context;
  };

  const int threads = resolve_threads(limits.threads);
  const std::size_t tokens = limits.max_tokens > 0 ? limits.max_tokens : static_cast<std::size_t>(2 * threads);
  bool cancelled = false;
  const log::Context caller = log::current();
  // TBB passes raw pointers between filters and drops them when a stage throws; every live object is
  // also owned here, so an exception frees them instead of leaking.
  LiveSet<CarriedItem> live_items;
  LiveSet<CarriedResult> live_results;
  // More threads than TBB's own default (the cores it may run on) needs its global worker limit raised for the run.
  // Compared with TBB's default, not resolve_threads(0): under a container's CPU limit that is lower, and a limit
  // set between the two would lower TBB's for every pipeline of the process while this one runs.
  std::optional<tbb::global_control> oversubscribe;
  if (threads > tbb::info::default_concurrency()) {
    oversubscribe.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  }
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, CarriedItem*>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& control) -> CarriedItem* {
              if (limits.stop && limits.stop()) {
                cancelled = true;
                control.stop();
                return nullptr;
              }
              // TBB may run the source on any worker: give it the caller's context.
              log::ContextGuard caller_guard(caller);
              std::optional<Item> next = source();
              if (!next) {
                control.stop();
                return nullptr;
              }
              auto context = context_of(*next);
              return live_items.adopt(std::make_unique<CarriedItem>(CarriedItem{std::move(*next), std::move(context)}));
            }) &
            tbb::make_filter<CarriedItem*, CarriedResult*>(tbb::filter_mode::parallel,
                                                           [&](CarriedItem* carried) -> CarriedResult* {
                                                             auto owned = live_items.release(carried);
                                                             log::ContextGuard guard(owned->context);
                                                             return live_results.adopt(std::make_unique<CarriedResult>(
                                                                 CarriedResult{work(owned->item), owned->context}));
                                                           }) &
            tbb::make_filter<CarriedResult*, void>(tbb::filter_mode::serial_in_order, [&](CarriedResult* carried) {
              auto owned = live_results.release(carried);
              log::ContextGuard guard(owned->context);
              sink(*owned->result);
            }));
  });
  return !cancelled;
}

}  // namespace swath::pipeline
