// POSIX temporary files for the archive writer: checked buffered appends, positional reads, fsync + rename.
#include "pmtiles/temp_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace swath::pmtiles {

namespace {

constexpr std::size_t buffer_limit = std::size_t{1} << 20;

}  // namespace

TempFile::TempFile(const std::string& final_path, std::string role)
    : final_path_(final_path), role_(std::move(role)), tmp_path_(core::temporary_path_for(final_path)) {
  core::refuse_unreplaceable(final_path_);  // before the work, not at its rename
  fd_ = ::open(tmp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int err = errno;
    throw core::IoError("cannot write " + role_, std::strerror(err), core::write_error_hint(err));
  }
}

TempFile::~TempFile() {
  close_fd();
  if (!committed_) ::unlink(tmp_path_.c_str());
}

void TempFile::close_fd() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void TempFile::append(std::string_view bytes) {
  if (buffer_.size() + bytes.size() > buffer_limit) flush();
  if (bytes.size() > buffer_limit) {
    buffer_.assign(bytes);
    flush();
  } else {
    buffer_.append(bytes);
  }
  size_ += bytes.size();
}

void TempFile::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : ENOSPC;
      throw core::IoError("cannot write " + role_, std::strerror(err), core::write_error_hint(err));
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void TempFile::read_at(std::uint64_t offset, std::size_t length, std::string& out) const {
  out.resize(length);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd_, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      throw core::IoError("cannot read " + role_, n < 0 ? std::strerror(err) : "shorter than written");
    }
    done += static_cast<std::size_t>(n);
  }
}

void TempFile::commit() {
  flush();
  int err = ::fsync(fd_) == 0 ? 0 : errno;
  if (::close(fd_) != 0 && err == 0) err = errno;  // some file systems report a failed write only here
  fd_ = -1;
  if (err == 0 && !core::unreplaceable_problem(final_path_).empty()) err = EEXIST;  // made one while we wrote
  if (err == 0 && ::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) err = errno;
  if (err != 0)
    throw core::IoError("cannot write '" + final_path_ + "'", std::strerror(err), core::write_error_hint(err));
  committed_ = true;
}

}  // namespace swath::pmtiles
