// A file in GDAL's /vsimem/ for a driver to write, whose bytes swath then puts on disk with its own checked writes.
#pragma once

#include <string>
#include <string_view>

namespace swath::raster {

// GDAL's drivers do not all report a failed write: GDAL 3.6's FlatGeobuf writer ignores some, so on a full
// disk it closes without an error and leaves a truncated or empty file. Written in memory first, an output
// reaches the disk only through core's writes, which check every call and report the OS's reason.
// Removed, with anything a driver wrote beside it (journals, temporaries), when destroyed. Also what owns any other
// file swath keeps in /vsimem/ for a while (a web-map scene's clipping VRT), so that none outlives its use.
class MemoryFile {
 public:
  // `name`: the file's name, e.g. "detections.fgb" (drivers choose by extension).
  explicit MemoryFile(const std::string& name);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& directory() const { return directory_; }
  // The file's bytes, valid until it is written again or destroyed; throws IoError naming `output` (the disk
  // file it stands for) when the driver wrote no file.
  std::string_view bytes(const std::string& output) const;

 private:
  std::string directory_;
  std::string path_;
};

}  // namespace swath::raster
