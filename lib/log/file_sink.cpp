// AppendFileSink: unbuffered, checked appends to the log file.
#include "log/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "log/logger.hpp"

namespace swath::log {

AppendFileSink::AppendFileSink(std::string path) : path_(std::move(path)) {
  // Non-blocking only to open: a FIFO nobody reads fails at once (ENXIO) instead of hanging before any work.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd_ < 0) {
    const int error = errno;
    if (error == EISDIR && std::filesystem::is_directory(path_)) {
      throw core::UsageError("--log-file '" + path_ + "'", "it is a directory",
                             "give a file path, e.g. " + path_ + "/swath.log");
    }
    // As for -o: a path whose directory is missing or not writable is a wrong flag, found before any work.
    if (const auto problem = core::parent_directory_problem(path_); !problem.empty())
      throw core::UsageError("--log-file '" + path_ + "'", problem, "give a path in a directory you may write into");
    struct stat info {};
    const bool fifo = ::stat(path_.c_str(), &info) == 0 && S_ISFIFO(info.st_mode);
    throw core::IoError("cannot open log file '" + path_ + "'",
                        error == ENXIO && fifo ? "it is a FIFO that nobody reads" : std::strerror(error),
                        "choose a writable path for --log-file");
  }
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
}

AppendFileSink::~AppendFileSink() {
  if (fd_ >= 0 && ::close(fd_) != 0 && first_error_.empty()) {
    std::fprintf(stderr, "swath: closing log file '%s' failed: %s\n", path_.c_str(), std::strerror(errno));
  }
}

std::size_t AppendFileSink::lost_lines() {
  std::lock_guard lock(mutex_);
  return lost_;
}

std::string AppendFileSink::first_error() {
  std::lock_guard lock(mutex_);
  return first_error_;
}

void AppendFileSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  const char* at = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, at, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      // Half a line would glue the next writer's line onto it: cut it off again, when nobody appended since
      // (with O_APPEND the offset is the end of our own write; another process may still slip in between the
      // two lseeks, a window of microseconds on a full disk).
      if (left < line.size()) {
        const off_t ours = ::lseek(fd_, 0, SEEK_CUR);
        const off_t end = ::lseek(fd_, 0, SEEK_END);
        const auto written = static_cast<off_t>(line.size() - left);
        if (ours == end && end >= written) (void)::ftruncate(fd_, end - written);
      }
      errno = error;
      if (first_error_.empty()) {
        first_error_ = n < 0 ? std::strerror(errno) : "nothing written";
        // Not through the loggers (this one's lock is held): a notice on stderr, once.
        print_notice("swath: cannot write log file '" + path_ + "': " + first_error_ +
                     " (log lines are missing from it; stderr has them)");
      }
      ++lost_;
      return;
    }
    at += n;
    left -= static_cast<std::size_t>(n);
  }
}

}  // namespace swath::log
