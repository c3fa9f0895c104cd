// MemoryFile: a private /vsimem/ directory per file.
#include "raster/memory_file.hpp"

#include <cpl_vsi.h>

#include <atomic>

#include "core/errors.hpp"

namespace swath::raster {

MemoryFile::MemoryFile(const std::string& name) {
  static std::atomic<unsigned long> counter{0};
  directory_ = "/vsimem/swath-output-" + std::to_string(counter.fetch_add(1));
  VSIMkdir(directory_.c_str(), 0755);
  path_ = directory_ + "/" + name;
}

MemoryFile::~MemoryFile() { VSIRmdirRecursive(directory_.c_str()); }

std::string_view MemoryFile::bytes(const std::string& output) const {
  vsi_l_offset length = 0;
  const GByte* buffer = VSIGetMemFileBuffer(path_.c_str(), &length, FALSE);
  if (buffer == nullptr) throw core::IoError("output '" + output + "'", "the GDAL driver wrote no file");
  return {reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(length)};
}

}  // namespace swath::raster
