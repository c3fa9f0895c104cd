// What a run may use of this machine (the `run` section): threads and the memory for items in flight.
#pragma once

#include <cstddef>

#include "config/option_table.hpp"

namespace swath::pipeline {

struct Resources {
  int threads = 0;                      // 0: one per core
  std::size_t max_memory = 256u << 20;  // bytes of items in flight: bounds the pipeline's live tokens
};

// run.threads (--threads), run.max_memory (--max-memory).
const config::OptionTable<Resources>& resources_table();

}  // namespace swath::pipeline
