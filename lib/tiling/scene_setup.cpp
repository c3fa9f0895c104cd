// Scene preparation: bands, alpha, fill values, the tile look and honest warnings.
#include "tiling/scene_setup.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "raster/fingerprint.hpp"
#include "tiling/plan.hpp"
#include "tiling/scale_ranges.hpp"
#include "tiling/scene_nodata.hpp"

namespace swath::tiling {

namespace {

std::vector<int> choose_bands(const TileOptions& options, const raster::SceneInfo& info) {
  std::vector<int> bands = options.bands;
  if (bands.empty()) {
    for (int b = 1; b <= info.band_count; ++b) bands.push_back(b);
  }
  for (int b : bands) {
    if (b > info.band_count) {
      throw core::UsageError("band " + std::to_string(b) + " of '" + info.path + "'",
                             "the scene has " + std::to_string(info.band_count) + " band(s)",
                             "choose --bands between 1 and " + std::to_string(info.band_count));
    }
  }
  return bands;
}

void check_band_count(Format format, const std::vector<int>& bands, const raster::SceneInfo& info) {
  const std::string& path = info.path;
  const auto n = static_cast<int>(bands.size());
  std::string allowed;
  if (format == Format::png && (n < 1 || n > 4)) allowed = "1 to 4 bands";
  if (format == Format::jpeg && n != 1 && n != 3) allowed = "1 or 3 bands";
  if (format == Format::webp && n != 3 && n != 4) allowed = "3 or 4 bands";
  if (!allowed.empty()) {
    throw core::UsageError(format_name(format) + " tiles of '" + path + "'",
                           "the format holds " + allowed + " and " + std::to_string(n) + " would be written",
                           n < 3 && format == Format::webp
                               ? "repeat a band to make three, e.g. --bands 1,1,1, or name three of the scene's"
                               : "choose bands with e.g. --bands 1,2,3");
  }
  // PNG's grey+alpha and RGBA, WebP's RGBA: the last band is written as transparency, so it must be the scene's
  // alpha band, not a data band (a NIR band would make every tile half see-through).
  const bool last_is_alpha = (format == Format::png && (n == 2 || n == 4)) || (format == Format::webp && n == 4);
  if (last_is_alpha && bands.back() != info.alpha_band) {
    throw core::UsageError(
        format_name(format) + " tiles of '" + path + "'",
        "with " + std::to_string(n) + " bands the format takes the last as transparency (alpha), and band " +
            std::to_string(bands.back()) + " of the scene is not its alpha band",
        "choose " + std::string(format == Format::png ? "1 or 3" : "3") + " bands (--bands 1,2,3)" +
            (info.alpha_band != 0
                 ? ", or add its alpha band last (--bands 1,2,3," + std::to_string(info.alpha_band) + ")"
                 : "") +
            "; -f GTiff keeps every band");
  }
}

// A band's scale, offset and unit, which a tile of its values keeps (not one scaled to 8 bits: its values are others).
TileLook::Meaning band_meaning(GDALRasterBand& band, bool scaled_to_byte) {
  TileLook::Meaning meaning;
  if (scaled_to_byte) return meaning;
  int has_scale = 0, has_offset = 0;
  const double scale = band.GetScale(&has_scale), offset = band.GetOffset(&has_offset);
  if (has_scale != 0 && scale != 1) meaning.scale = scale;
  if (has_offset != 0 && offset != 0) meaning.offset = offset;
  meaning.unit = band.GetUnitType();
  return meaning;
}

// Tokens bound the tiles in flight, not a tile's size: one tile larger than the budget is refused here
// rather than allocated (a padded 65536-px tile of a small scene would be gigabytes of fill).
void check_tile_fits_memory(const TileScene& scene, const TileOptions& options) {
  const auto mib = [](std::size_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; };
  const std::size_t needed = scene.pixel_bytes_per_tile();
  if (needed <= options.resources.max_memory) return;
  throw core::UsageError("tile size " + std::to_string(options.grid.size) + " on '" + scene.path + "'",
                         "one tile holds " + mib(needed) + " of pixels, more than --max-memory (" +
                             mib(options.resources.max_memory) + ")",
                         "use a smaller --size, fewer --bands, --edge shrink or a larger --max-memory");
}

void add_georeferencing_warnings(TileScene& scene) {
  if (!scene.info.geotransform && scene.info.gcp_count > 0) {
    scene.warnings.push_back("scene '" + scene.path +
                             "' has only ground control points: tiles carry none and follow the pixel grid, and the "
                             "manifest has no bounds (gdalwarp makes a georeferenced copy to tile)");
  } else if (!scene.info.geotransform) {
    scene.warnings.push_back("scene '" + scene.path +
                             "' has no georeferencing: tiles follow the pixel grid and the manifest has no bounds");
  } else if (scene.info.crs_wkt.empty()) {
    scene.warnings.push_back("scene '" + scene.path +
                             "' has a geotransform but no CRS: bounds are in its map units, without WGS84 bounds");
  } else if (!scene.georef->has_wgs84()) {
    scene.warnings.push_back("scene '" + scene.path +
                             "': its CRS cannot be transformed to WGS84, so WGS84 bounds are omitted");
  }
}

// GDAL caches a GeoTIFF's pixels band by band whatever the file's interleaving, so a band-interleaved tile is
// written without the shuffle a pixel-interleaved one costs on every flush. JPEG's YCbCr needs pixel interleaving;
// an explicit INTERLEAVE wins.
raster::Layout choose_layout(TileLook& look) {
  if (look.format != Format::gtiff) return raster::Layout::pixel_interleaved;
  std::string interleave;
  bool needs_pixel = false;
  for (const auto& option : look.creation_options) {
    const std::string upper = core::to_upper(option);
    if (upper.rfind("INTERLEAVE=", 0) == 0) interleave = upper.substr(11);
    // libtiff's WEBP codec takes contiguous samples only ("TIFF WEBP requires data to be stored contiguously").
    if (upper == "PHOTOMETRIC=YCBCR" || upper == "COMPRESS=JPEG" || upper == "COMPRESS=WEBP") needs_pixel = true;
  }
  if (interleave.empty() && !needs_pixel) {
    look.creation_options.push_back("INTERLEAVE=BAND");
    interleave = "BAND";
  }
  return interleave == "BAND" ? raster::Layout::band_sequential : raster::Layout::pixel_interleaved;
}

}  // namespace

std::size_t TileScene::pixel_bytes_per_tile() const {
  const auto size = grid.options().size;
  const bool shrink = grid.options().edge == Edge::shrink;  // no window is larger than the scene
  const auto width = shrink ? std::min(size, info.width) : size;
  const auto height = shrink ? std::min(size, info.height) : size;
  return static_cast<std::size_t>(width * height) * read_bands.size() *
         static_cast<std::size_t>(raster::bytes_per_sample(info.data_type));
}

std::size_t TileScene::bytes_per_tile() const {
  // The read block, a scaled copy or the driver's working copy, and the encoded bytes.
  return pixel_bytes_per_tile() * 3;
}

void check_scene_fits(const TileOptions& options, const raster::SceneInfo& info) {
  raster::require_north_up(info);
  raster::require_on_earth(info);
  const auto bands = choose_bands(options, info);
  refuse_nodata_per_band(info, bands, options.format);
  refuse_palette_loss(info, bands, options.format);
  if (format_needs_byte(options.format)) {
    raster::require_real_pixels(info, format_name(options.format) + " tiles (scaled to 8 bits)");
    check_band_count(options.format, bands, info);
  }
  if (!options.creation_options.empty()) {  // tried as the tiles will be written: with the layout swath adds
    TileLook written;
    written.format = options.format;
    written.creation_options = options.creation_options;
    (void)choose_layout(written);
    const std::vector<std::string> added(
        written.creation_options.begin() + static_cast<std::ptrdiff_t>(options.creation_options.size()),
        written.creation_options.end());
    check_encoding(options.format, options.creation_options, bands.size(),
                   format_needs_byte(options.format) ? GDT_Byte : info.data_type,
                   {info.geotransform, info.crs_wkt, added});
  }
  const Selection selection(options.shard, options.only_indices);
  const auto count = Grid(info.width, info.height, options.grid).count();
  if (selection.largest_listed() >= count) {
    throw core::UsageError("tile index " + std::to_string(selection.largest_listed()),
                           "scene '" + info.path + "' has " + std::to_string(count) + " tiles",
                           "indices count row-major from 0");
  }
}

TileScene prepare_scene(const std::string& path, const std::string& name, const TileOptions& options,
                        const std::string& provenance, const std::string& expected_fingerprint) {
  auto dataset = raster::open_scene(path);  // first: a FIFO's blocked open ends on Ctrl-C there, as an Interrupted
  auto stamp = raster::file_stamp(path);
  auto fingerprint = raster::scene_fingerprint(*dataset, path);
  // The file's own fingerprint is what a swath before sidecars counted recorded (its manifests, its enqueue's tasks).
  if (!expected_fingerprint.empty() && fingerprint != expected_fingerprint &&
      raster::file_fingerprint(path) != expected_fingerprint) {
    // Tiles cut from another file would be listed under the manifest's ids (and one smaller, or of other bands,
    // would fail as if the options were wrong); a fleet shard's would not fit its other shards', cut from the file
    // as it was.
    const bool shard = options.shard.count > 1;
    throw core::DataError(
        "scene '" + path + "'",
        "its fingerprint " + fingerprint.value_or("(unreadable)") + " is not " + expected_fingerprint +
            (shard ? ", the file's that was enqueued: it was rewritten or replaced since, so this shard's tiles would "
                     "not fit those of the shards that ran before"
                   : ", the file's whose tiles were listed: it was rewritten or replaced since"),
        shard ? "once the job is finished (swath queue jobs), enqueue the same work again with --force: every shard "
                "runs again on the scene as it is now"
              : "tile the scene anew with `swath tile` and enqueue the new manifest");
  }
  auto info = raster::describe_scene(*dataset, path);
  check_scene_fits(options, info);
  TileScene scene{.name = name,
                  .path = path,
                  .fingerprint = std::move(fingerprint),
                  .stamp = stamp,
                  .info = info,
                  .grid = Grid(info.width, info.height, options.grid)};
  scene.reader = std::make_unique<raster::WindowReader>(path, info);
  scene.georef = std::make_unique<SceneGeoref>(info);

  scene.read_bands = choose_bands(options, info);
  scene.output_bands = scene.read_bands.size();
  if (info.alpha_band > 0 && !info.masked) {  // with both, GDAL reads the mask band (see below), as swath does
    const auto at = std::find(scene.read_bands.begin(), scene.read_bands.end(), info.alpha_band);
    scene.blank_rule.alpha_index = static_cast<int>(at - scene.read_bands.begin());
    if (at == scene.read_bands.end()) scene.read_bands.push_back(info.alpha_band);  // read for blank detection only
  }
  for (int b : scene.read_bands) {
    const auto nodata = usable_nodata(info, b, scene.warnings);
    scene.fill.push_back(nodata.value_or(0.0));  // alpha without nodata pads as 0: transparent
    scene.blank_rule.nodata.push_back(nodata);
  }
  // A mask band (an orthophoto's JPEG tiles keep their footprint there) decides blank tiles as alpha does; the
  // tiles do not carry it.
  if (info.masked) {
    scene.blank_rule.alpha_index = static_cast<int>(scene.read_bands.size());
    scene.read_bands.push_back(raster::mask_band);
    scene.fill.push_back(0.0);  // outside the scene: no data
    scene.blank_rule.nodata.push_back(std::nullopt);
    scene.warnings.push_back("scene '" + path +
                             "' has a mask band: it marks blank tiles, but the tiles do not carry it (their masked "
                             "pixels keep the values the scene holds there)");
  }

  check_tile_fits_memory(scene, options);
  scene.scale = format_needs_byte(options.format) && info.data_type != GDT_Byte;
  if (scene.scale) scene.ranges = scale_ranges(*dataset, scene, options.scale);

  TileLook& look = scene.look;
  look.format = options.format;
  look.creation_options = options.creation_options;
  scene.layout = choose_layout(look);
  look.crs_wkt = info.crs_wkt;
  const bool keeps_nodata = options.format != Format::jpeg && options.format != Format::webp;
  bool lost_nodata = false;
  for (std::size_t i = 0; i < scene.output_bands; ++i) {
    auto nodata = scene.blank_rule.nodata[i];  // the source's, before scaling
    if (nodata && scene.scale) nodata = 0.0;   // scale_to_byte keeps 0 for nodata
    if (nodata && !keeps_nodata) {
      lost_nodata = true;
      nodata.reset();
    }
    look.nodata.push_back(nodata);
    look.colors.push_back(dataset->GetRasterBand(scene.read_bands[i])->GetColorInterpretation());
    look.descriptions.emplace_back(dataset->GetRasterBand(scene.read_bands[i])->GetDescription());
    look.meanings.push_back(band_meaning(*dataset->GetRasterBand(scene.read_bands[i]), scene.scale));
  }
  // A palette scene's tiles keep its colours: without the table their values are colour numbers read as grey.
  const bool keeps_palette =
      options.format == Format::gtiff || options.format == Format::cog || options.format == Format::png;
  if (const auto* table = dataset->GetRasterBand(scene.read_bands[0])->GetColorTable();
      table != nullptr && scene.output_bands == 1 && keeps_palette && !scene.scale) {
    for (int c = 0; c < table->GetColorEntryCount(); ++c) look.palette.push_back(*table->GetColorEntry(c));
  }
  look.metadata.emplace_back("SWATH_PROVENANCE", provenance);
  if (lost_nodata) {
    scene.warnings.push_back(format_name(options.format) + " has no nodata: nodata pixels of '" + path +
                             "' are written as plain values (use PNG or GTiff to keep them)");
  }
  mark_padding(scene, options);
  add_georeferencing_warnings(scene);
  if (auto warning = raster::band_masks_warning(info); !warning.empty()) scene.warnings.push_back(std::move(warning));
  return scene;
}

}  // namespace swath::tiling
