// The --log-file sink: one write(2) per line in append mode, every write checked; a lost line is said on stderr.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <mutex>
#include <string>

namespace swath::log {

// spdlog's basic_file_sink buffers through stdio and closes unchecked: on a full disk every line could vanish
// with nothing said. Here each line goes out whole (workers sharing one file do not interleave within a line),
// the first failure is said on stderr at once, and lost_lines() counts the rest; a line cut short by a full disk
// is cut off again, so the file holds whole lines only.
class AppendFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit AppendFileSink(std::string path);  // throws core::IoError naming the file
  ~AppendFileSink() override;
  AppendFileSink(const AppendFileSink&) = delete;
  AppendFileSink& operator=(const AppendFileSink&) = delete;

  const std::string& path() const { return path_; }
  std::size_t lost_lines();
  std::string first_error();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}  // nothing is buffered

 private:
  std::string path_;
  int fd_ = -1;
  std::size_t lost_ = 0;
  std::string first_error_;
};

}  // namespace swath::log
