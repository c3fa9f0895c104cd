// CPLPushErrorHandlerEx-based capture of GDAL failures.
#include "raster/gdal_errors.hpp"

#include <cpl_error.h>

#include "log/logger.hpp"

namespace swath::raster {

void capture_gdal_error(CapturedGdalErrors* self, int severity, const char* message) {
  const std::string text = message != nullptr ? message : "";
  if (severity == CE_Failure || severity == CE_Fatal) {
    self->last_message_ = text;
    self->failed_ = true;
  } else if (severity == CE_Warning) {
    log::get("gdal")->warn("{}", text);
  } else if (severity == CE_Debug) {
    log::get("gdal")->debug("{}", text);
  }
}

namespace {
void CPL_STDCALL handler(CPLErr severity, CPLErrorNum, const char* message) {
  auto* self = static_cast<CapturedGdalErrors*>(CPLGetErrorHandlerUserData());
  capture_gdal_error(self, static_cast<int>(severity), message);
}
}  // namespace

CapturedGdalErrors::CapturedGdalErrors() { CPLPushErrorHandlerEx(handler, this); }

CapturedGdalErrors::~CapturedGdalErrors() { CPLPopErrorHandler(); }

std::string CapturedGdalErrors::last_failure(const std::string& fallback) const {
  return last_message_.empty() ? fallback : last_message_;
}

}  // namespace swath::raster
