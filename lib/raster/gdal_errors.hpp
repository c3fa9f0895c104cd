// Turns GDAL's CPLError failures inside a scope into text for swath's exceptions, instead of separate log lines.
#pragma once

#include <string>

namespace swath::raster {

// While alive, this thread's GDAL failures are captured (not logged); warnings still go to the log.
class CapturedGdalErrors {
 public:
  CapturedGdalErrors();
  ~CapturedGdalErrors();
  CapturedGdalErrors(const CapturedGdalErrors&) = delete;
  CapturedGdalErrors& operator=(const CapturedGdalErrors&) = delete;

  // The last failure message, or `fallback` when GDAL said nothing.
  std::string last_failure(const std::string& fallback = "GDAL reported no reason") const;
  bool failed() const { return failed_; }

 private:
  std::string last_message_;
  bool failed_ = false;
  friend void capture_gdal_error(CapturedGdalErrors*, int, const char*);
};

}  // namespace swath::raster
