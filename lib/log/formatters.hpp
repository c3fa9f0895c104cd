// spdlog formatters for swath's two log formats; both append the calling thread's log context.
#pragma once

#include <spdlog/formatter.h>

#include <memory>

namespace swath::log {

// One JSON object per line: ts, severity, component, message, then the context fields.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// `2026-11-25T17:00:00.123456Z INFO tile: message scene=a.tif tile=3`
class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace swath::log
