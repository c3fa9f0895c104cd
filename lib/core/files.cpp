// POSIX implementation of atomic writes and directory checks.
#include "core/files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/cancel.hpp"
#include "core/errors.hpp"

namespace swath::core {

namespace fs = std::filesystem;

namespace {

std::string os_reason(int err) { return std::strerror(err); }

// fsyncs `path`; returns 0 or the errno of the failure. Some file systems (NFS, ones that allocate late)
// report a write they could not keep only here. EINVAL: a file that cannot be synced (nothing to lose).
int fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

}  // namespace

std::string write_error_hint(int err) {
  switch (err) {
    case EACCES:
    case EPERM:
      return "choose a directory you can write to, or fix its permissions";
    case ENOSPC:
    case EDQUOT:
      return "free space on the device or write elsewhere";
    case ENOENT:
      return "create the parent directory first";
    case EROFS:
      return "the file system is read-only; write elsewhere";
    case EISDIR:
      return "a directory has that name: give a file path";
    case ENOTDIR:
      return "a file has that name, or is on the way to it: give a directory path";
    case EEXIST:
      return "something else has that name: remove it or choose another";
    default:
      return {};
  }
}

namespace {

// Writes bytes [from, to) of `content` at their own offsets (a failed direct write leaves the file offset
// anywhere); returns 0, or the errno of the failure.
int write_range(int fd, std::string_view content, std::size_t from, std::size_t to) {
  while (from < to) {
    const ssize_t n = ::pwrite(fd, content.data() + from, to - from, static_cast<off_t>(from));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    from += static_cast<std::size_t>(n);
  }
  return 0;
}

struct NewFile {
  int fd;
  bool direct;  // opened O_DIRECT
};

// Opens the new file `tmp` (standing for `path` in messages), around the page cache when `direct` and the
// file system allows it (some refuse O_DIRECT after creating the file).
NewFile open_new_file(const std::string& tmp, const std::string& path, bool direct) {
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  int fd = ::open(tmp.c_str(), flags | (direct ? O_DIRECT : 0), 0644);
  if (fd < 0 && direct && errno == EINVAL) {
    ::unlink(tmp.c_str());
    direct = false;
    fd = ::open(tmp.c_str(), flags, 0644);
  }
  if (fd < 0) {
    const int err = errno;
    throw IoError("cannot write '" + path + "'", os_reason(err), write_error_hint(err));
  }
  return {fd, direct};
}

// Writes `content` to the new file `tmp` (standing for `path` in messages); removes it on failure.
void write_new_file(const std::string& tmp, const std::string& path, std::string_view content, Durability durability) {
  const bool aligned = reinterpret_cast<std::uintptr_t>(content.data()) % direct_io_alignment == 0;
  const auto [fd, direct] =
      open_new_file(tmp, path, durability == Durability::uncached && aligned && content.size() >= direct_io_alignment);
  std::size_t written = 0;
  int err = 0;
  if (direct) {
    // Whole blocks around the page cache, then the tail through it (all of it, if a direct write failed).
    const std::size_t whole = content.size() / direct_io_alignment * direct_io_alignment;
    if (write_range(fd, content, 0, whole) == 0) written = whole;
    if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_DIRECT) != 0) err = errno;
  }
  if (err == 0) err = write_range(fd, content, written, content.size());
  if (err != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw IoError("cannot write '" + path + "'", os_reason(err), write_error_hint(err));
  }
  bool synced = durability != Durability::fsync || ::fsync(fd) == 0;
  int sync_err = errno;
  if (::close(fd) != 0 && synced) {  // NFS and some file systems report a failed write only here
    synced = false;
    sync_err = errno;
  }
  if (!synced) {
    ::unlink(tmp.c_str());
    throw IoError("cannot write '" + path + "'", os_reason(sync_err), write_error_hint(sync_err));
  }
}

}  // namespace

namespace {
void guard_replaceable(const std::string& path);  // below, beside the checks it shares
}  // namespace

void write_file_atomic(const std::string& path, std::string_view content, Durability durability) {
  guard_replaceable(path);
  const std::string tmp = temporary_path_for(path);
  write_new_file(tmp, path, content, durability);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw IoError("cannot write '" + path + "'", os_reason(err), write_error_hint(err));
  }
}

void write_back_file_system(const std::string& path) noexcept {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::syncfs(fd);
  ::close(fd);
}

void sync_directory(const std::string& dir) {
  // A directory the process may write into but not open (-wx): nothing to sync through; the files are in place.
  if (const int err = fsync_path(dir); err != 0 && err != EACCES && err != EPERM) {
    throw IoError("cannot write directory '" + dir + "'", os_reason(err), write_error_hint(err));
  }
}

void sync_directory_if_possible(const std::string& dir) noexcept { (void)fsync_path(dir); }

void commit_file(const std::string& from, const std::string& to) {
  guard_replaceable(to);
  if (const int err = fsync_path(from); err != 0) {
    throw IoError("cannot write '" + to + "'", os_reason(err), write_error_hint(err));
  }
  if (::rename(from.c_str(), to.c_str()) != 0) {
    const int err = errno;
    // Named by its final path: the temporary is gone or hidden, the final path is what the user gave.
    throw IoError("cannot write '" + to + "'", os_reason(err), write_error_hint(err));
  }
}

StagedFiles::~StagedFiles() {
  for (const auto& [tmp, final_path] : files_) ::unlink(tmp.c_str());
}

std::string StagedFiles::add(const std::string& final_path, const std::string& suffix) {
  files_.emplace_back(temporary_path_for(final_path) + suffix, final_path);
  return files_.back().first;
}

void StagedFiles::write(const std::string& final_path, std::string_view content) {
  const std::string tmp = temporary_path_for(final_path);
  write_new_file(tmp, final_path, content, Durability::rename_only);  // commit() fsyncs
  files_.emplace_back(tmp, final_path);
}

void StagedFiles::commit() {
  // What would fail a rename half-way (a directory or a device where a file goes) is found before the first.
  for (const auto& [tmp, final_path] : files_) {
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(final_path, ec))) {
      throw IoError("cannot write '" + final_path + "'", os_reason(EISDIR), write_error_hint(EISDIR));
    }
    guard_replaceable(final_path);
  }
  std::size_t done = 0;
  try {
    for (; done < files_.size(); ++done) commit_file(files_[done].first, files_[done].second);
  } catch (...) {
    files_.erase(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(done));  // in place: not ours to remove
    throw;
  }
  files_.clear();
}

namespace {
// What stands at `path` that an output cannot be renamed over, or nullptr.
std::string unreplaceable_kind(const std::string& path) {
  struct stat entry {};
  if (::lstat(path.c_str(), &entry) != 0) return "";
  const bool link = S_ISLNK(entry.st_mode);
  if (link) {
    // /dev/stdout and /dev/fd/N are links into /proc: whatever stdout is now (a file, a pipe), the rename would
    // replace the link itself.
    std::error_code ec;
    const std::string target = fs::read_symlink(path, ec).string();
    if (!ec && (target.rfind("/proc/", 0) == 0 || target.rfind("/dev/", 0) == 0))
      return "a symbolic link into /proc or /dev, not a regular file";
    // A link is replaced, not what it points to; but one to a device is no output file either.
    if (::stat(path.c_str(), &entry) != 0) return "";
  }
  // A directory fails the rename itself (EISDIR), said as such by the writers.
  if (S_ISREG(entry.st_mode) || S_ISDIR(entry.st_mode) || S_ISLNK(entry.st_mode)) return "";
  const char* kind = S_ISCHR(entry.st_mode)    ? "a character device"
                     : S_ISBLK(entry.st_mode)  ? "a block device"
                     : S_ISFIFO(entry.st_mode) ? "a FIFO"
                                               : "a socket";
  return std::string(link ? "a symbolic link to " : "") + kind + ", not a regular file";
}
}  // namespace

std::string unreplaceable_problem(const std::string& path) {
  const std::string kind = unreplaceable_kind(path);
  return kind.empty() ? "" : "'" + path + "' is " + kind;
}

void refuse_unreplaceable(const std::string& path) {
  if (const std::string kind = unreplaceable_kind(path); !kind.empty()) {
    throw UsageError("cannot write '" + path + "'", "it is " + kind,
                     "swath writes an output whole and renames it into place: name a regular file (or -o - for "
                     "stdout, where the command takes it)");
  }
}

namespace {
// The last guard before a rename, after the work: an I/O failure of that output (a worker retries its move).
void guard_replaceable(const std::string& path) {
  if (const std::string kind = unreplaceable_kind(path); !kind.empty()) {
    throw IoError("cannot write '" + path + "'", "it is " + kind,
                  "swath writes an output whole and renames it into place: name a regular file");
  }
}
}  // namespace

void ensure_writable_directory(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw IoError("cannot create directory '" + dir + "'", ec.message(), write_error_hint(ec.value()), ec.value());
  }
  if (!fs::is_directory(dir))
    throw IoError("'" + dir + "'", "exists and is not a directory", "choose another output path");
  if (::access(dir.c_str(), W_OK) != 0) {
    const int err = errno;
    throw IoError("cannot write to directory '" + dir + "'", os_reason(err), write_error_hint(err), err);
  }
}

DirectoryLock::DirectoryLock(const std::string& dir) {
  ensure_writable_directory(dir);
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) return;  // a directory one may write but not list (mode 0333): runs as before, unguarded
  while (::flock(fd_, LOCK_EX) != 0) {
    const int err = errno;
    if (err == EINTR && !cancel_requested()) continue;
    ::close(fd_);
    fd_ = -1;
    if (err == EINTR) throw Interrupted("waiting for '" + dir + "'", "another run there holds its lock: run again");
    throw IoError("cannot lock directory '" + dir + "'", os_reason(err), "");
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

bool locked_by_another(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // Locks belong to open files, not processes: this shared lock conflicts with an exclusive one of this process too.
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

void remove_file_if_present(const std::string& path, const std::string& hint) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return;
  const int err = errno;
  throw IoError("cannot remove '" + path + "'", os_reason(err), hint);
}

std::string read_file(const std::string& path) {
  // A directory opens as a stream and reads as nothing: was "not JSON: unexpected end of input at byte 0".
  if (std::error_code ec; fs::is_directory(path, ec))
    throw IoError("cannot read '" + path + "'", "it is a directory", "name a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw IoError("cannot read '" + path + "'", os_reason(err), err == ENOENT ? "check the path" : "");
  }
  // A read failing part-way fails the copy (the output stream's failbit; `in` never hears of it): an error, not a
  // short text. (libstdc++'s filebuf throws on a read error, which the copy turns into that failbit; libc++ would
  // take it for the end of the file.) An empty file copies nothing, which also sets it: looked at first.
  std::ostringstream buffer;
  if (in.peek() != std::ifstream::traits_type::eof() && !(buffer << in.rdbuf()))
    throw IoError("cannot read '" + path + "'", "a read failed", "check the file and its disk");
  if (in.bad()) throw IoError("cannot read '" + path + "'", "a read failed", "check the file and its disk");
  return buffer.str();
}

bool is_vsi_path(const std::string& path) { return path.rfind("/vsi", 0) == 0; }

std::string resolved_path(const std::string& path) {
  if (is_vsi_path(path) || path.empty()) return path;
  auto normal = fs::absolute(path).lexically_normal();
  if (!normal.has_filename() && normal.has_relative_path()) normal = normal.parent_path();  // "dir/" → "dir"
  std::error_code ec;
  const auto resolved = fs::weakly_canonical(normal, ec);
  if (ec) return normal.string();
  // A symlink to a file of another name keeps its own name (the name a scene's tiles are filed under).
  if (resolved.filename() == normal.filename() || fs::is_directory(resolved, ec)) return resolved.string();
  const auto parent = fs::weakly_canonical(normal.parent_path(), ec);
  return ec ? normal.string() : (parent / normal.filename()).string();
}

}  // namespace swath::core
