// A file under a temporary name beside its final one, written through a buffer with every write checked, removed
// when destroyed unless renamed into place: the spool of tile data and the archive before its rename.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swath::pmtiles {

class TempFile {
 public:
  // Creates `core::temporary_path_for(final_path)`; `role` names the file in messages ("spool of 'OUT'").
  // Throws IoError naming the final path and the OS reason.
  TempFile(const std::string& final_path, std::string role);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  // Appends (buffered); throws IoError.
  void append(std::string_view bytes);
  // Bytes appended so far (buffered ones included).
  std::uint64_t size() const { return size_; }
  // Writes out the buffer; throws IoError.
  void flush();
  // Reads `length` bytes at `offset` into `out` (after flush()); throws IoError.
  void read_at(std::uint64_t offset, std::size_t length, std::string& out) const;
  // Flushes, fsyncs, closes and renames over the final path; throws IoError and removes the file on failure.
  void commit();

 private:
  void close_fd();
  std::string final_path_;
  std::string role_;
  std::string tmp_path_;
  std::string buffer_;
  std::uint64_t size_ = 0;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace swath::pmtiles
