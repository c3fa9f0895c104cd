// Thread and token arithmetic for the pipeline.
#include <oneapi/tbb/info.h>

#include "pipeline/ordered_pipeline.hpp"

namespace swath::pipeline {

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  return std::max(1, tbb::info::default_concurrency());
}

std::size_t tokens_for_memory(std::size_t memory_budget, std::size_t bytes_per_item, int threads) {
  const auto per_item = std::max<std::size_t>(bytes_per_item, 1);
  const auto max_tokens = static_cast<std::size_t>(4 * resolve_threads(threads));
  return std::clamp<std::size_t>(memory_budget / per_item, 1, max_tokens);
}

}  // namespace swath::pipeline
