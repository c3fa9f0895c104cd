// The gdal section declared once (its block cache), and setting GDAL up with it.
#pragma once

#include <cstdint>

#include "config/option_table.hpp"

namespace swath::raster {

struct GdalSettings {
  std::int64_t cache_mb = 64;  // small: swath reads each block once
};

const config::OptionTable<GdalSettings>& gdal_table();

// Registers GDAL's drivers and sizes its block cache.
void configure_gdal(const GdalSettings& settings);

}  // namespace swath::raster
