// The gdal section declared once (its block cache), and setting GDAL up with it.
#pragma once

#include <cstdint>

#include "config/option_table.hpp"

namespace swath::raster {

struct GdalSettings {
  std::int64_t cache_mb = 64;  // small: swath reads each block once
};

const config::OptionTable<GdalSettings>& gdal_table();

// Registers GDAL's drivers, sizes its block cache and routes its messages to the log.
void configure_gdal(const GdalSettings& settings);

// Routes GDAL's CPLError messages to the "gdal" logger, in the raising thread's log context (configure_gdal calls it).
void install_gdal_error_handler();

}  // namespace swath::raster
