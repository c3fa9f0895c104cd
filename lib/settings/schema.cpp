// The one list of option tables: a module with options adds its table here.
#include "settings/schema.hpp"

#include "detect/run.hpp"
#include "log/options.hpp"
#include "pipeline/resources.hpp"
#include "queue/settings.hpp"
#include "raster/gdal_settings.hpp"
#include "scale/request.hpp"
#include "tiling/options.hpp"
#include "webmap/options.hpp"
#include "worker/worker.hpp"

namespace swath::settings {

const config::Schema& swath_schema() {
  static const config::Schema schema = config::Schema()
                                           .add(log::settings_table().specs())
                                           .add(raster::gdal_table().specs())
                                           .add(pipeline::resources_table().specs())
                                           .add(tiling::tile_table().specs())
                                           .add(webmap::webmap_table().specs())
                                           .add(scale::settings_table().specs())
                                           .add(detect::detect_table().specs())
                                           .add(queue::settings_table().specs())
                                           .add(worker::worker_table().specs());
  return schema;
}

void check_values(const config::Config& config) {
  (void)log::settings_table().apply(config);
  (void)raster::gdal_table().apply(config);
  (void)pipeline::resources_table().apply(config);
  (void)tiling::tile_table().apply(config);
  (void)webmap::webmap_table().apply(config);
  (void)scale::settings_table().apply(config);
  (void)detect::detect_table().apply(config);
  (void)queue::settings_table().apply(config);
  (void)worker::worker_table().apply(config);
}

}  // namespace swath::settings
