// The `run` section: declared once, read by tile, detect and the worker alike.
#include "pipeline/resources.hpp"

namespace swath::pipeline {

const config::OptionTable<Resources>& resources_table() {
  static const auto table =
      config::OptionTable<Resources>("run")
          .integer(
              {"threads", "--threads", "worker threads (0: one per core, at most the CPU limit of its container)"}, 0,
              1024, [](Resources & r) -> auto& { return r.threads; })
          .bytes(
              {"max_memory", "--max-memory",
               "memory for items in flight (tiles, windows); bounds the pipeline's live tokens"},
              16.0 * 1024 * 1024, 1024.0 * 1024 * 1024 * 1024, [](Resources & r) -> auto& { return r.max_memory; });
  return table;
}

}  // namespace swath::pipeline
