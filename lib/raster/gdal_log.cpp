// Sends GDAL's CPLError messages through swath's logger, in the raising thread's log context.
#include <cpl_error.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "log/context.hpp"
#include "log/logger.hpp"
#include "raster/gdal_errors.hpp"
#include "raster/gdal_settings.hpp"

namespace swath::raster {

namespace {

// How many times each warning was heard, by its text within one attempt of a task and one scene (a worker's next
// task or a retry of this one, a run's next scene, hears it anew, with its own context on the line); bounded: when
// full it starts over.
class WarningCounts {
 public:
  // The count including this hearing.
  std::uint64_t hear(std::string_view text) {
    const auto context = log::current();
    std::string key = context.get("task_id") + "\n" + context.get("attempt") + "\n" + context.get("scene") + "\n";
    key += text;
    const std::lock_guard lock(mutex_);
    auto found = counts_.find(key);
    if (found != counts_.end()) return ++found->second;
    if (counts_.size() >= kMaxTexts) counts_.clear();
    counts_.emplace(std::move(key), 1);
    return 1;
  }

 private:
  static constexpr std::size_t kMaxTexts = 1024;
  std::mutex mutex_;
  std::unordered_map<std::string, std::uint64_t> counts_;
};

bool is_power_of_ten(std::uint64_t n) {
  while (n >= 10 && n % 10 == 0) n /= 10;
  return n == 1;
}

void CPL_STDCALL gdal_error_handler(CPLErr severity, CPLErrorNum number, const char* message) {
  static const auto logger = log::get("gdal");
  const char* text = message != nullptr ? message : "";
  switch (severity) {
    case CE_None:
      break;
    case CE_Debug:
      logger->debug("{}", text);
      break;
    case CE_Warning:
      log_gdal_warning(text);
      break;
    case CE_Failure:
      logger->error("{} (CPLE {})", text, number);
      break;
    case CE_Fatal:
      logger->critical("{} (CPLE {})", text, number);
      break;
  }
}

}  // namespace

void log_gdal_warning(std::string_view text) {
  static WarningCounts counts;
  static const auto logger = log::get("gdal");
  const std::uint64_t heard = counts.hear(text);
  if (heard == 1) {
    logger->warn("{}", text);
  } else if (is_power_of_ten(heard)) {
    logger->warn("{} (heard {} times so far; logged at 1, 10, 100... times)", text, heard);
  }
}

void install_gdal_error_handler() { CPLSetErrorHandler(gdal_error_handler); }

}  // namespace swath::raster
