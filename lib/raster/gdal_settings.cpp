// GDAL's process-wide set-up from the gdal section.
#include "raster/gdal_settings.hpp"

#include <gdal.h>

namespace swath::raster {

const config::OptionTable<GdalSettings>& gdal_table() {
  static const auto table = config::OptionTable<GdalSettings>("gdal").integer(
      {"cache_mb", "", "GDAL block cache in MiB (small: swath reads each block once)"}, 1, 65536,
      [](GdalSettings & s) -> auto& { return s.cache_mb; });
  return table;
}

void configure_gdal(const GdalSettings& settings) {
  GDALAllRegister();
  GDALSetCacheMax64(settings.cache_mb * 1024 * 1024);
  install_gdal_error_handler();
}

}  // namespace swath::raster
