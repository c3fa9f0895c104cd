// The stderr sink: log lines, with the status line (log::show_status) kept below them so neither writes over the other.
#pragma once

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

namespace swath::log {

// Serialised by the status line's own lock (not base_sink's), which show_status and end_status take too.
class StderrSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;
};

}  // namespace swath::log
