// Scene preparation: refuse (or loudly accept) scenes without a CRS, measure pixels, name bands.
#include "detect/scene_setup.hpp"

#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "detect/ground.hpp"
#include "log/logger.hpp"

namespace swath::detect {

namespace {

// The CRS's own units where its pixels cannot be measured on the ground (a CRS PROJ cannot take to longitude and
// latitude): metres for most projected CRSs, so sizes stay roughly right.
GroundPixel in_crs_units(const raster::SceneInfo& info) {
  const auto& c = info.geotransform->c;
  OGRSpatialReference srs;
  const double units =
      srs.importFromWkt(info.crs_wkt.c_str()) == OGRERR_NONE && srs.IsProjected() ? srs.GetLinearUnits() : 1.0;
  return {std::hypot(c[1], c[4]) * units, std::hypot(c[2], c[5]) * units};
}

// Measured at the scene's centre; a scene whose pixels' ground size changes much across it (a wide Web Mercator or
// geographic scene) is said to have sizes measured there.
void measure_pixels(const raster::SceneInfo& info, SceneMeasure& measure) {
  const double w = static_cast<double>(info.width), h = static_cast<double>(info.height);
  const auto ground = ground_pixels(info, {{w / 2, h / 2}, {0, 0}, {w, 0}, {0, h}, {w, h}});
  if (ground.empty() || !ground.front()) {
    const auto pixel = in_crs_units(info);
    measure.pixel_width_m = pixel.width_m, measure.pixel_height_m = pixel.height_m;
    log::get("detect")->warn(
        "scene '{}': its pixels cannot be measured on the ground; sizes in metres are taken "
        "in its CRS's units ({:.4g} x {:.4g} per pixel)",
        info.path, pixel.width_m, pixel.height_m);
    return;
  }
  const auto& centre = *ground.front();
  measure.pixel_width_m = centre.width_m, measure.pixel_height_m = centre.height_m;
  // Over the centre and the corners on the Earth (a geostationary view's may be off it): a side over 10% longer
  // somewhere than elsewhere.
  double min_width = centre.width_m, max_width = min_width, min_height = centre.height_m, max_height = min_height;
  for (const auto& corner : ground) {
    if (!corner) continue;
    min_width = std::min(min_width, corner->width_m), max_width = std::max(max_width, corner->width_m);
    min_height = std::min(min_height, corner->height_m), max_height = std::max(max_height, corner->height_m);
  }
  const bool varies = !(max_width <= min_width * 1.1) || !(max_height <= min_height * 1.1);
  if (varies) {
    log::get("detect")->warn(
        "scene '{}': a pixel's ground size changes by over 10% across it (its CRS's scale); "
        "sizes in metres are measured at its centre ({:.3g} x {:.3g} m)",
        info.path, centre.width_m, centre.height_m);
  }
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
  raster::require_usable_geotransform(scene.info);       // was: a pixel of size 0 divided window sizes by 0
  raster::require_real_pixels(scene.info, "detectors");  // was: CFAR on the real part of a SAR SLC
  if (const auto warning = raster::band_masks_warning(scene.info); !warning.empty())
    log::get("detect")->warn("{}", warning);
  const bool rotated = scene.info.geotransform && !scene.info.geotransform->north_up();
  if (scene.info.georeferenced() && !rotated) {
    scene.to_map = *scene.info.geotransform;
    scene.crs_wkt = scene.info.crs_wkt;
    measure_pixels(scene.info, scene.measure);
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
  log::get("detect")->warn(
      "scene '{}' has {}: writing PIXEL coordinates (x = column, y = row); sizes count pixels "
      "(--min-size, --max-size, --guard, --background, --min-area: give them in pixels)",
      path, rotated ? "a rotated or sheared geotransform" : "no CRS");
  scene.to_map = core::GeoTransform{{0, 1, 0, 0, 0, 1}};
  scene.measure.pixel_width_m = scene.measure.pixel_height_m = 1;
  return scene;
}

}  // namespace swath::detect
