// How long-running library functions report progress without printing: the app renders it (bar or log lines).
#pragma once

#include <cstdint>
#include <string>

namespace swath::pipeline {

struct Progress {
  std::int64_t done = 0;   // items finished (written, skipped or failed)
  std::int64_t total = 0;  // items planned
  std::int64_t failed = 0;
  std::int64_t pixels = 0;  // pixels processed so far
  double seconds = 0;       // since the start of the run
  std::string unit = "tiles";

  double megapixels_per_second() const { return seconds > 0 ? static_cast<double>(pixels) / 1e6 / seconds : 0; }
  // Seconds left at the current rate; negative when unknown.
  double eta_seconds() const {
    if (done <= 0 || seconds <= 0) return -1;
    return seconds * static_cast<double>(total - done) / static_cast<double>(done);
  }
};

// Called from the pipeline's serial sink (never concurrently); implementations must be cheap and must not throw.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void started(const Progress& progress) = 0;
  virtual void advanced(const Progress& progress) = 0;
  virtual void finished(const Progress& progress) = 0;
};

}  // namespace swath::pipeline
