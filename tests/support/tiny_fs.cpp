// TinyFileSystem: mount(2) a tmpfs, and fill it to an exact free size with fallocate.
#include "support/tiny_fs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace swath::test {

namespace fs = std::filesystem;

TinyFileSystem::TinyFileSystem(const std::string& path, const std::string& options) : path_(path) {
  fs::create_directories(path);
  const bool read_only = options == "ro";
  mounted_ =
      ::mount("tmpfs", path.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, read_only ? "size=64k" : options.c_str()) == 0;
}

TinyFileSystem::~TinyFileSystem() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

std::uint64_t TinyFileSystem::available() const {
  struct statvfs info {};
  if (::statvfs(path_.c_str(), &info) != 0) throw std::runtime_error("statvfs " + path_ + ": " + std::strerror(errno));
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

void TinyFileSystem::clear() const {
  for (const auto& entry : fs::directory_iterator(path_)) fs::remove_all(entry.path());
}

void TinyFileSystem::leave_free(std::uint64_t free_bytes) const {
  clear();
  const std::uint64_t available_now = available();
  if (available_now < free_bytes) {
    throw std::runtime_error(path_ + " has " + std::to_string(available_now) + " bytes, not " +
                             std::to_string(free_bytes));
  }
  if (available_now == free_bytes) return;
  const std::string filler = path_ + "/filler";
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + filler + ": " + std::strerror(errno));
  const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(available_now - free_bytes));
  ::close(fd);
  if (err != 0) throw std::runtime_error("cannot fill " + path_ + ": " + std::strerror(err));
  if (available() != free_bytes) {
    throw std::runtime_error(path_ + " has " + std::to_string(available()) + " bytes free, not " +
                             std::to_string(free_bytes));
  }
}

}  // namespace swath::test
