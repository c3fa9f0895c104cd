// CPLPushErrorHandlerEx-based capture of GDAL failures.
#include "raster/gdal_errors.hpp"

#include <cpl_error.h>

#include "log/logger.hpp"

namespace swath::raster {

void capture_gdal_error(CapturedGdalErrors* self, int severity, int number, const char* message) {
  const std::string text = message != nullptr ? message : "";
  if (severity == CE_Failure || severity == CE_Fatal) {
    if (!self->failed_) self->first_message_ = text;
    self->last_message_ = text;
    self->failed_ = true;
  } else if (severity == CE_Warning && self->mode_ == CapturedGdalErrors::Warnings::keep) {
    if (self->warnings_.size() < 16) self->warnings_.push_back({severity, number, text});
  } else if (severity == CE_Warning) {
    log_gdal_warning(text);
  } else if (severity == CE_Debug) {
    log::get("gdal")->debug("{}", text);
  }
}

namespace {
void CPL_STDCALL handler(CPLErr severity, CPLErrorNum number, const char* message) {
  auto* self = static_cast<CapturedGdalErrors*>(CPLGetErrorHandlerUserData());
  capture_gdal_error(self, static_cast<int>(severity), static_cast<int>(number), message);
}
}  // namespace

CapturedGdalErrors::CapturedGdalErrors(Warnings warnings) : mode_(warnings) { CPLPushErrorHandlerEx(handler, this); }

CapturedGdalErrors::~CapturedGdalErrors() { CPLPopErrorHandler(); }

std::string CapturedGdalErrors::last_failure(const std::string& fallback) const {
  return last_message_.empty() ? fallback : last_message_;
}

}  // namespace swath::raster
