// Turns GDAL's CPLError failures inside a scope into text for swath's exceptions, instead of separate log lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swath::raster {

// One message GDAL raised: its CPLErr severity, its CPLErrorNum, its text.
struct GdalMessage {
  int severity = 0;
  int number = 0;
  std::string text;
};

// While alive, this thread's GDAL failures are captured (not logged); warnings go to the log (log_gdal_warning), or
// with Warnings::keep are kept for the caller to judge.
class CapturedGdalErrors {
 public:
  enum class Warnings { log, keep };
  explicit CapturedGdalErrors(Warnings warnings = Warnings::log);
  ~CapturedGdalErrors();
  CapturedGdalErrors(const CapturedGdalErrors&) = delete;
  CapturedGdalErrors& operator=(const CapturedGdalErrors&) = delete;

  // The last failure message, or `fallback` when GDAL said nothing.
  std::string last_failure(const std::string& fallback = "GDAL reported no reason") const;
  // The first failure: the cause, where later ones only say that something above it failed.
  const std::string& first_failure() const { return first_message_; }
  bool failed() const { return failed_; }
  // With Warnings::keep: the warnings heard, the first 16 of them.
  const std::vector<GdalMessage>& warnings() const { return warnings_; }

 private:
  std::string first_message_;
  std::string last_message_;
  bool failed_ = false;
  Warnings mode_;
  std::vector<GdalMessage> warnings_;
  friend void capture_gdal_error(CapturedGdalErrors*, int, int, const char*);
};

// Logs a GDAL warning on the "gdal" logger the first time its text is heard in this thread's task and scene (log
// context), then again after 10, 100, 1000... hearings with the count: a warning every tile raises is one line per
// scene, not one per tile.
void log_gdal_warning(std::string_view text);

}  // namespace swath::raster
