// The one pipeline skeleton: serial source → parallel work → serial in-order sink, on a TBB arena.
// The number of live tokens bounds memory; each item carries the log context of the source, restored
// in whichever thread runs its work and sink, so nothing leaks between items when TBB steals work.
#pragma once

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

#include "core/cancel.hpp"
#include "log/context.hpp"

namespace swath::pipeline {

struct Limits {
  int threads = 0;             // 0: one per core
  std::size_t max_tokens = 0;  // items in flight at once; 0: 2 × threads
};

// Tokens that fit `memory_budget` when one item holds `bytes_per_item`, at least 1 and at most 4 per thread.
std::size_t tokens_for_memory(std::size_t memory_budget, std::size_t bytes_per_item, int threads);

// Resolves 0 to the number of cores.
int resolve_threads(int threads);

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

// Runs source() until it returns nullopt (or cancellation is requested), work(item) in parallel,
// sink(result) serially in source order. Exceptions propagate after the pipeline stops.
// Returns false when it stopped early because of core::cancel_requested().
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
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<void, CarriedItem*>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& control) -> CarriedItem* {
                                               if (core::cancel_requested()) {
                                                 cancelled = true;
                                                 control.stop();
                                                 return nullptr;
                                               }
                                               std::optional<Item> next = source();
                                               if (!next) {
                                                 control.stop();
                                                 return nullptr;
                                               }
                                               auto context = context_of(*next);
                                               return new CarriedItem{std::move(*next), std::move(context)};
                                             }) &
            tbb::make_filter<CarriedItem*, CarriedResult*>(tbb::filter_mode::parallel,
                                                           [&](CarriedItem* carried) -> CarriedResult* {
                                                             std::unique_ptr<CarriedItem> owned(carried);
                                                             log::ContextGuard guard(owned->context);
                                                             return new CarriedResult{work(owned->item), owned->context};
                                                           }) &
            tbb::make_filter<CarriedResult*, void>(tbb::filter_mode::serial_in_order, [&](CarriedResult* carried) {
              std::unique_ptr<CarriedResult> owned(carried);
              log::ContextGuard guard(owned->context);
              sink(*owned->result);
            }));
  });
  return !cancelled;
}

}  // namespace swath::pipeline
