// A GDAL configuration option set for this thread while a scope runs, and restored after it (exceptions included).
#pragma once

#include <cpl_conv.h>

#include <optional>
#include <string>

namespace swath::raster {

class ScopedConfigOption {
 public:
  ScopedConfigOption(std::string key, const char* value) : key_(std::move(key)) {
    if (const char* before = CPLGetThreadLocalConfigOption(key_.c_str(), nullptr)) previous_ = before;
    CPLSetThreadLocalConfigOption(key_.c_str(), value);
  }
  ~ScopedConfigOption() { CPLSetThreadLocalConfigOption(key_.c_str(), previous_ ? previous_->c_str() : nullptr); }
  ScopedConfigOption(const ScopedConfigOption&) = delete;
  ScopedConfigOption& operator=(const ScopedConfigOption&) = delete;

 private:
  std::string key_;
  std::optional<std::string> previous_;
};

}  // namespace swath::raster
