// A status line on stderr that log lines step around: clear it, write the line, draw it again.
#include "log/stderr_sink.hpp"

#include <cstdio>
#include <mutex>
#include <string>

#include "log/logger.hpp"

namespace swath::log {

namespace {

struct StatusLine {
  std::mutex mutex;
  std::string text;
  bool shown = false;
};

StatusLine& status_line() {
  static StatusLine* line = new StatusLine();  // never destroyed: logging may outlive static destructors
  return *line;
}

constexpr char kClearLine[] = "\r\033[K";  // back to column 0, erase to the end of the line

}  // namespace

void StderrSink::sink_it_(const spdlog::details::log_msg& msg) {
  auto& status = status_line();
  std::lock_guard lock(status.mutex);
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  if (status.shown) std::fputs(kClearLine, stderr);
  std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  if (status.shown) std::fputs(status.text.c_str(), stderr);
  std::fflush(stderr);
}

void StderrSink::flush_() {
  std::lock_guard lock(status_line().mutex);
  std::fflush(stderr);
}

void show_status(const std::string& text) {
  auto& status = status_line();
  std::lock_guard lock(status.mutex);
  std::fputs(kClearLine, stderr);
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  status.text = text;
  status.shown = true;
}

void print_notice(const std::string& line) {
  auto& status = status_line();
  std::lock_guard lock(status.mutex);
  if (status.shown) std::fputs(kClearLine, stderr);
  std::fputs((line + "\n").c_str(), stderr);
  if (status.shown) std::fputs(status.text.c_str(), stderr);
  std::fflush(stderr);
}

void end_status() {
  auto& status = status_line();
  std::lock_guard lock(status.mutex);
  if (!status.shown) return;
  std::fputc('\n', stderr);
  std::fflush(stderr);
  status.text.clear();
  status.shown = false;
}

}  // namespace swath::log
