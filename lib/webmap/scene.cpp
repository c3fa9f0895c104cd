// Preparing a scene for the pyramid: the checks a place on Earth needs, the clip to WebMercator's world, and the
// warped extent (GDALSuggestedWarpOutput2, as gdal2tiles' warped VRT has it).
#include "webmap/scene.hpp"

#include <gdal_alg.h>
#include <gdal_utils.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/errors.hpp"
#include "raster/fingerprint.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::webmap {

OGRSpatialReference mercator_srs() {
  OGRSpatialReference srs;
  srs.importFromEPSG(3857);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

const std::string& mercator_wkt() {
  static const std::string wkt = [] {
    char* text = nullptr;
    mercator_srs().exportToWkt(&text);
    std::string out = text;
    CPLFree(text);
    return out;
  }();
  return wkt;
}

namespace {

// The pixel window of a geographic scene inside ±max_latitude and ±180°; the whole scene when it is inside.
core::Window inside_world(const raster::SceneInfo& info) {
  const auto& gt = info.geotransform->c;
  const double west = gt[0], north = gt[3], dx = gt[1], dy = -gt[5];
  std::int64_t x0 = 0, y0 = 0, x1 = info.width, y1 = info.height;
  if (west < -180.0) x0 = static_cast<std::int64_t>(std::ceil((-180.0 - west) / dx));
  if (west + dx * static_cast<double>(info.width) > 180.0)
    x1 = static_cast<std::int64_t>(std::floor((180.0 - west) / dx));
  if (north > max_latitude) y0 = static_cast<std::int64_t>(std::ceil((north - max_latitude) / dy));
  if (north - dy * static_cast<double>(info.height) < -max_latitude) {
    y1 = static_cast<std::int64_t>(std::floor((north + max_latitude) / dy));
  }
  return {x0, y0, std::max<std::int64_t>(0, x1 - x0), std::max<std::int64_t>(0, y1 - y0)};
}

// A VRT of `window` of the scene in a /vsimem/ directory of its own.
std::shared_ptr<const raster::MemoryFile> clipped_vrt(GDALDataset& dataset, const PyramidScene& scene,
                                                      const core::Window& window) {
  auto file = std::make_shared<const raster::MemoryFile>("clip.vrt");
  const std::string& path = file->path();
  CPLStringList args;
  for (const char* a : {"-of", "VRT", "-srcwin"}) args.AddString(a);
  for (auto v : {window.x, window.y, window.width, window.height}) args.AddString(std::to_string(v).c_str());
  GDALTranslateOptions* options = GDALTranslateOptionsNew(args.List(), nullptr);
  raster::CapturedGdalErrors errors;
  GDALDatasetH out = GDALTranslate(path.c_str(), GDALDataset::ToHandle(&dataset), options, nullptr);
  GDALTranslateOptionsFree(options);
  if (out == nullptr)
    throw core::DataError(
        "scene '" + scene.path + "'", "cannot clip it to WebMercator's world: " + errors.last_failure(),
        "check that GDAL reads it (gdalinfo), or clip it first (gdalwarp -te -180 -85.0511 180 85.0511)");
  GDALClose(out);
  return file;
}

void require_place_on_earth(const raster::SceneInfo& info, const std::string& path) {
  if (!info.geotransform) {
    throw core::DataError(
        "scene '" + path + "'", "it has no geotransform, and a web-map pyramid needs a place on Earth",
        "georeference it first (gdal_translate -a_ullr / -gcp then gdalwarp), or tile it with --grid chips");
  }
  if (info.crs_wkt.empty()) {
    throw core::DataError("scene '" + path + "'", "it has no CRS, and a web-map pyramid needs a place on Earth",
                          "assign one (gdal_edit.py -a_srs EPSG:...), or tile it with --grid chips");
  }
  raster::require_north_up(info);
}

void describe_bands(PyramidScene& scene) {
  const auto& info = scene.info;
  if (info.data_type != GDT_Byte) {
    throw core::DataError(
        "scene '" + scene.path + "'",
        std::string("its type is ") + GDALGetDataTypeName(info.data_type) + "; --grid xyz takes Byte scenes",
        "scale it to Byte first (gdal_translate -ot Byte -scale)");
  }
  if (info.palette) {  // its values are colour numbers: averaged or shown as grey, they would be no colour at all
    throw core::DataError("scene '" + scene.path + "'",
                          "its band holds colour-table indices (a palette); --grid xyz takes grey or RGB pixels",
                          "expand the palette first: gdal_translate -expand rgba '" + scene.path + "' rgba.tif");
  }
  for (int b = 1; b <= info.band_count; ++b) {
    if (b != info.alpha_band) scene.data_bands.push_back(b);
  }
  if (scene.data_bands.size() != 1 && scene.data_bands.size() != 3) {
    throw core::DataError("scene '" + scene.path + "'",
                          "it has " + std::to_string(scene.data_bands.size()) +
                              " bands besides alpha; --grid xyz takes 1 (grey) or 3 (RGB)",
                          "pick the bands first (gdal_translate -b 1 -b 2 -b 3)");
  }
}

struct WarpedGrid {
  double gt[6] = {};
  int width = 0, height = 0;
  double metres_wide() const { return gt[1] * width; }
};

// GDAL's suggested warp of the scene to `target` (a DST_SRS), as gdal2tiles' warped VRT; nullopt when it has none.
std::optional<WarpedGrid> suggested_grid(GDALDataset& dataset, const std::string& target, std::string& failure) {
  raster::CapturedGdalErrors errors;
  const std::string option = "DST_SRS=" + target;
  const char* options[] = {option.c_str(), nullptr};
  void* transformer =
      GDALCreateGenImgProjTransformer2(GDALDataset::ToHandle(&dataset), nullptr, const_cast<char**>(options));
  WarpedGrid grid;
  double extent[4];
  const bool ok = transformer != nullptr &&
                  GDALSuggestedWarpOutput2(GDALDataset::ToHandle(&dataset), GDALGenImgProjTransform, transformer,
                                           grid.gt, &grid.width, &grid.height, extent, 0) == CE_None;
  if (transformer != nullptr) GDALDestroyGenImgProjTransformer(transformer);
  if (!ok) failure = errors.last_failure();
  return ok ? std::optional(grid) : std::nullopt;
}

// A projected scene across the antimeridian has points near +180° and near -180°: GDAL's suggestion then spans the
// whole world, at pixels of kilometres (a 60 km UTM scene: 2506 px of 16 km). Warped to a Mercator centred on 180°
// instead, it is one narrow grid again; that grid, moved by half the world, runs east past +origin_shift.
std::optional<WarpedGrid> across_antimeridian(GDALDataset& dataset, const WarpedGrid& grid) {
  if (grid.metres_wide() < origin_shift) return std::nullopt;  // less than half the world: not across
  static const std::string centred_on_180 =
      "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=180 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs";
  std::string failure;
  auto shifted = suggested_grid(dataset, centred_on_180, failure);
  if (!shifted || shifted->metres_wide() > grid.metres_wide() / 2) return std::nullopt;
  shifted->gt[0] += origin_shift;
  return shifted;
}

// Whether `latitude` (±90: a pole) lies inside the scene's pixels (on an edge or a corner, the scene's edges reach it
// and GDAL's suggestion sees it).
bool holds_pole(const PyramidScene& scene, const OGRSpatialReference& source, double latitude) {
  OGRSpatialReference lonlat;
  lonlat.importFromEPSG(4326);
  lonlat.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference target = source;
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  raster::CapturedGdalErrors quiet;  // a CRS that cannot hold the pole (Mercator) just does not
  std::unique_ptr<OGRCoordinateTransformation> to_scene(OGRCreateCoordinateTransformation(&lonlat, &target));
  double x = 0, y = latitude;
  if (!to_scene || !to_scene->Transform(1, &x, &y) || !std::isfinite(x) || !std::isfinite(y)) return false;
  const auto& gt = scene.info.geotransform->c;  // north-up (require_place_on_earth)
  const double column = (x - gt[0]) / gt[1], row = (y - gt[3]) / gt[5];
  return column > 0 && row > 0 && column < static_cast<double>(scene.info.width) &&
         row < static_cast<double>(scene.info.height);
}

// GDAL suggests an extent from points along the scene's edges; a scene holding a pole reaches its highest latitude
// inside, so the suggestion stopped short (a polar stereographic scene of 81-90°N: 77-80.8°N, 80.8-85.05° lost).
// Such a scene covers every longitude up to the world's edge.
void extend_to_poles(const PyramidScene& scene, const OGRSpatialReference& source, WarpedGrid& grid) {
  const bool north = holds_pole(scene, source, 90.0), south = holds_pole(scene, source, -90.0);
  if (!north && !south) return;
  const double top = north ? origin_shift : std::min(grid.gt[3], origin_shift);
  const double bottom = south ? -origin_shift : std::max(grid.gt[3] + grid.gt[5] * grid.height, -origin_shift);
  if (top <= bottom) {  // wholly above 85.0511° (or below -85.0511°)
    throw core::DataError("scene '" + scene.path + "'", "it lies outside WebMercator's world (beyond ±85.0511°)",
                          "a pyramid covers ±85.0511° of latitude; tile it with --grid chips");
  }
  const double pixel = grid.gt[1];
  grid.gt[0] = -origin_shift;
  grid.gt[3] = top;
  grid.width = static_cast<int>(std::ceil(2 * origin_shift / pixel - 1e-9));
  grid.height = std::max(1, static_cast<int>(std::ceil((top - bottom) / pixel - 1e-9)));
}

// GDAL's pixel is the diagonal of the warped extent over the scene's: at high latitudes, where WebMercator magnifies
// the ground fast, several of the scene's own (2 km pixels: a 47 km grid round a pole, 59 km for a scene at 74-84°N
// across 180°; max zoom 2 levels short, rows skipped). Such a grid is made as fine as the scene's pixels where
// WebMercator magnifies them least, at the latitude nearest the equator; within 1.5× of that (a mid-latitude UTM
// scene: 1.00) GDAL's stays, gdal2tiles' grid.
void refine_to_scene_pixels(const PyramidScene& scene, const OGRSpatialReference& source, WarpedGrid& grid) {
  if (!source.IsProjected()) return;
  const double top = std::clamp(grid.gt[3], -origin_shift, origin_shift);
  const double bottom = std::clamp(grid.gt[3] + grid.gt[5] * grid.height, -origin_shift, origin_shift);
  const double nearest_equator = bottom < 0 && top > 0 ? 0.0 : std::min(std::abs(top), std::abs(bottom));
  const auto& own = scene.info.geotransform->c;
  // The longer side of a pixel: one of 10 × 100 m is refined only if GDAL's is much coarser than 100 m.
  const double ground = source.GetLinearUnits() * std::max(std::abs(own[1]), std::abs(own[5]));
  const double latitude = meters_to_lonlat({0, nearest_equator, 0, nearest_equator}).min_y;
  const double magnified = ground / std::cos(latitude * M_PI / 180);
  if (!(magnified > 0) || grid.gt[1] <= 1.5 * magnified) return;
  // At most 2^30 pixels along an axis (a grid of millimetres would not fit a pixel count).
  const double high = grid.gt[3] - bottom;
  const double pixel = std::max({magnified, grid.metres_wide() / (1 << 30), high / (1 << 30)});
  grid.width = std::max(1, static_cast<int>(std::ceil(grid.metres_wide() / pixel - 1e-9)));
  grid.height = std::max(1, static_cast<int>(std::ceil(high / pixel - 1e-9)));
  grid.gt[1] = pixel;
  grid.gt[5] = -pixel;
}

// The warped extent and pixel size: the scene's own when it is already EPSG:3857, else GDAL's suggestion.
void warped_extent(GDALDataset& dataset, PyramidScene& scene) {
  OGRSpatialReference source;
  source.importFromWkt(scene.info.crs_wkt.c_str());
  const auto target = mercator_srs();
  WarpedGrid grid;
  bool across = false;  // warped in one piece east past the world's edge (world_parts takes that part round)
  if (source.IsSame(&target)) {
    dataset.GetGeoTransform(grid.gt);
    grid.width = dataset.GetRasterXSize();
    grid.height = dataset.GetRasterYSize();
    // Already EPSG:3857 and running east past the world's edge (or lying wholly past it, within one more world): its
    // own grid is the one warped in one piece, the part past the edge taken round to the west.
    const double east = grid.gt[0] + grid.metres_wide();
    across = east > origin_shift && east <= 3 * origin_shift && grid.metres_wide() < 2 * origin_shift;
  } else {
    std::string failure;
    const auto suggested = suggested_grid(dataset, "EPSG:3857", failure);
    if (!suggested) {
      throw core::DataError("scene '" + scene.path + "'", "cannot be warped to EPSG:3857: " + failure,
                            "check its CRS; warp it to EPSG:4326 or EPSG:3857 first");
    }
    const auto shifted = across_antimeridian(dataset, *suggested);
    across = shifted.has_value();
    grid = shifted.value_or(*suggested);
    // A geographic scene is clipped to the world before (inside_world): its rows end at ±85.0511° already.
    if (!source.IsGeographic()) extend_to_poles(scene, source, grid);
    refine_to_scene_pixels(scene, source, grid);
  }
  const double* gt = grid.gt;
  scene.pixel_size = gt[1];
  std::copy(gt, gt + 6, scene.warped_geotransform.begin());
  scene.warped_width = grid.width;
  scene.warped_height = grid.height;
  const core::Bounds bounds{gt[0], gt[3] + gt[5] * grid.height, gt[0] + gt[1] * grid.width, gt[3]};
  // Across the antimeridian, the part east past the world's edge is kept (world_parts takes it round): the world's
  // latitudes only are clipped there.
  const double shift = across && bounds.min_x >= origin_shift ? 2 * origin_shift : 0;
  const auto world =
      clip_to_world({bounds.min_x - shift, bounds.min_y, std::min(bounds.max_x - shift, origin_shift), bounds.max_y});
  if (!world) {
    throw core::DataError("scene '" + scene.path + "'", "it lies outside WebMercator's world",
                          "check its CRS and geotransform (gdalinfo); a pyramid covers ±85.0511° of latitude");
  }
  scene.meters = {world->min_x + shift, world->min_y, across ? bounds.max_x : world->max_x, world->max_y};
}

}  // namespace

PyramidScene prepare_scene(const std::string& path, const std::string& name) {
  PyramidScene scene;
  scene.path = path;
  scene.name = name;
  scene.open_path = path;
  auto dataset = raster::open_scene(path);
  scene.stamp = raster::file_stamp(path);
  scene.info = raster::describe_scene(*dataset, path);
  scene.fingerprint = raster::scene_fingerprint(*dataset, path);
  require_place_on_earth(scene.info, path);
  describe_bands(scene);
  OGRSpatialReference srs;
  srs.importFromWkt(scene.info.crs_wkt.c_str());
  if (srs.IsGeographic()) {
    const auto window = inside_world(scene.info);
    if (window.width <= 0 || window.height <= 0) {
      throw core::DataError(
          "scene '" + path + "'", "nothing of it lies within WebMercator's ±85.0511° and ±180°",
          "check its CRS and geotransform (gdalinfo): longitude and latitude swapped, or past ±180°?");
    }
    if (window != core::Window{0, 0, scene.info.width, scene.info.height}) {
      scene.clip = clipped_vrt(*dataset, scene, window);
      scene.open_path = scene.clip->path();
      scene.warnings.push_back(
          "scene '" + path + "' reaches past WebMercator's ±85.0511° latitude or ±180° longitude: clipped to columns " +
          std::to_string(window.x) + ".." + std::to_string(window.right()) + ", rows " + std::to_string(window.y) +
          ".." + std::to_string(window.bottom()) + " (not wrapped)");
      dataset = raster::open_scene(scene.open_path);
    }
  }
  warped_extent(*dataset, scene);
  return scene;
}

void check_same_layout(const std::vector<PyramidScene>& scenes) {
  for (std::size_t i = 1; i < scenes.size(); ++i) {
    const auto& a = scenes.front();
    const auto& b = scenes[i];
    const bool bands = a.data_bands.size() != b.data_bands.size();
    const bool type = a.info.data_type != b.info.data_type;
    if (!bands && !type) continue;
    // Only what differs: "or type (Byte and Byte)" sent users looking for a difference there is not.
    std::string differ;
    if (bands)
      differ = "bands (" + std::to_string(a.data_bands.size()) + " and " + std::to_string(b.data_bands.size()) +
               " besides alpha)";
    if (type)
      differ += std::string(bands ? " and in " : "") + "type (" + GDALGetDataTypeName(a.info.data_type) + " and " +
                GDALGetDataTypeName(b.info.data_type) + ")";
    throw core::DataError("scenes '" + a.path + "' and '" + b.path + "'",
                          "they differ in " + differ + "; one pyramid takes one band layout",
                          "make one pyramid per layout, or convert the scenes alike (gdal_translate -b / -ot)");
  }
}

GDALDatasetUniquePtr open_for_warp(const PyramidScene& scene) { return raster::open_scene(scene.open_path); }

}  // namespace swath::webmap
