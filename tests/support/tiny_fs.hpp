// A tmpfs mounted for one test, for full and read-only disks (needs root; CI runs the suite in a root container).
#pragma once

#include <cstdint>
#include <string>

namespace swath::test {

class TinyFileSystem {
 public:
  // `options`: tmpfs mount options such as "size=256k", or "ro" for an empty read-only one.
  TinyFileSystem(const std::string& path, const std::string& options);
  ~TinyFileSystem();
  TinyFileSystem(const TinyFileSystem&) = delete;
  TinyFileSystem& operator=(const TinyFileSystem&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  // Bytes a non-root writer may still use (statvfs).
  std::uint64_t available() const;
  // Removes everything in it.
  void clear() const;
  // Empties the file system, then allocates a filler file (named "filler") so that exactly `free_bytes` stay
  // free (tmpfs counts whole pages: give a multiple of 4096). Throws std::runtime_error when it cannot.
  void leave_free(std::uint64_t free_bytes) const;

 private:
  std::string path_;
  bool mounted_ = false;
};

inline constexpr std::uint64_t kPage = 4096;

}  // namespace swath::test
