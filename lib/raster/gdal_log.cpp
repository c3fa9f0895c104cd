// Sends GDAL's CPLError messages through swath's logger, in the raising thread's log context.
#include <cpl_error.h>

#include "log/logger.hpp"
#include "raster/gdal_settings.hpp"

namespace swath::raster {

namespace {

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
      logger->warn("{}", text);
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

void install_gdal_error_handler() { CPLSetErrorHandler(gdal_error_handler); }

}  // namespace swath::raster
