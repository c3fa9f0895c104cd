// Scene preparation: refuse (or loudly accept) scenes without a CRS, measure pixels, name bands.
#include "detect/scene_setup.hpp"

#include <ogr_spatialref.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "log/logger.hpp"

namespace swath::detect {

namespace {

double pixel_metres(const raster::SceneInfo& info) {
  const auto& c = info.geotransform->c;
  const double size = std::sqrt(std::abs(c[1] * c[5] - c[2] * c[4]));  // side of a square of the pixel's area
  OGRSpatialReference srs;
  if (srs.importFromWkt(info.crs_wkt.c_str()) != OGRERR_NONE) return size;
  if (srs.IsGeographic()) {
    const auto centre =
        info.geotransform->apply(static_cast<double>(info.width) / 2, static_cast<double>(info.height) / 2);
    // A raster's geotransform runs x along longitude whatever the CRS's axis order (GDAL's traditional GIS order):
    // EPSG:4326's latitude-first definition took the longitude for the latitude (a pixel at 60°N measured as at 0°).
    const double lat = std::abs(centre[1]);
    return size * 111320.0 * std::sqrt(std::cos(std::min(lat, 89.0) * M_PI / 180));
  }
  return size * srs.GetLinearUnits();
}

std::vector<std::string> band_names(GDALDataset& dataset) {
  std::vector<std::string> names;
  for (int b = 1; b <= dataset.GetRasterCount(); ++b) {
    auto* band = dataset.GetRasterBand(b);
    std::string name = band->GetDescription();
    if (name.empty() && band->GetColorInterpretation() != GCI_Undefined) {
      name = GDALGetColorInterpretationName(band->GetColorInterpretation());
    }
    name = core::to_lower(name);
    if (name == "grayindex" || name == "undefined") name.clear();
    names.push_back(name);
  }
  return names;
}

}  // namespace

PreparedScene prepare_scene(GDALDataset& dataset, const std::string& path, bool allow_pixel_coords) {
  PreparedScene scene;
  scene.info = raster::describe_scene(dataset, path);
  scene.measure.band_names = band_names(dataset);
  scene.measure.nodata = scene.info.nodata;
  const bool rotated = scene.info.geotransform && !scene.info.geotransform->north_up();
  if (scene.info.georeferenced() && !rotated) {
    scene.to_map = *scene.info.geotransform;
    scene.crs_wkt = scene.info.crs_wkt;
    scene.measure.pixel_metres = pixel_metres(scene.info);
    return scene;
  }
  if (!allow_pixel_coords) {
    raster::require_whole(scene.info);  // a cut copy loses its GeoTIFF keys: "no CRS" would send users astray
    // A rotated grid is refused for what it is, CRS or not: it is not a missing CRS.
    raster::require_north_up(scene.info,
                             "or pass --allow-pixel-coords to write pixel coordinates (x = column, y = row)");
    throw core::UsageError(
        "scene '" + path + "'",
        "it has " + scene.info.missing_georeferencing() + ", so detections cannot be placed on a map",
        "pass --allow-pixel-coords to write pixel coordinates (x = column, y = row) instead");
  }
  log::get("detect")->warn("scene '{}' has {}: writing PIXEL coordinates (x = column, y = row), sizes in pixels", path,
                           rotated ? "a rotated or sheared geotransform" : "no CRS");
  scene.to_map = core::GeoTransform{{0, 1, 0, 0, 0, 1}};
  scene.measure.pixel_metres = 1;
  return scene;
}

}  // namespace swath::detect
