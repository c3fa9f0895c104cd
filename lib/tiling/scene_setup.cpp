// Scene preparation: bands, alpha, fill values, Byte scaling ranges, the tile look and honest warnings.
#include "tiling/scene_setup.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <sstream>
#include <utility>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "raster/fingerprint.hpp"
#include "raster/gdal_errors.hpp"
#include "tiling/plan.hpp"
#include "tiling/sampled_range.hpp"
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

[[noreturn]] void throw_unreadable_range(const TileScene& scene, int band, const std::string& why) {
  throw core::DataError("--scale auto on '" + scene.path + "'",
                        "cannot read the range of band " + std::to_string(band) + ": " + why,
                        "give the range with --scale MIN,MAX");
}

// The bucket at which the histogram's running count first reaches `percent` of its total.
std::size_t percentile_bucket(const std::vector<GUIntBig>& histogram, GUIntBig total, unsigned percent) {
  GUIntBig running = 0;
  for (std::size_t i = 0; i < histogram.size(); ++i) {
    running += histogram[i];
    if (running * 100 >= total * percent) return i;
  }
  return histogram.size() - 1;
}

// The min and max of the band's valid pixels: from a sample, or from every pixel when the sample held only nodata
// (a sparse scene); nullopt when no pixel is valid (GDAL says "no valid pixels"). Other failures are thrown.
std::optional<std::array<double, 2>> valid_min_max(GDALRasterBand& band, const TileScene& scene, int band_number) {
  for (const int approximate : {TRUE, FALSE}) {
    const raster::CapturedGdalErrors errors;
    double min_max[2] = {0, 0};
    if (GDALComputeRasterMinMax(&band, approximate, min_max) == CE_None && !errors.failed())
      return std::array<double, 2>{min_max[0], min_max[1]};
    if (errors.last_failure().find("no valid pixels") == std::string::npos)
      throw_unreadable_range(scene, band_number, errors.last_failure());
  }
  return std::nullopt;
}

// --scale auto: the band's 2nd to 98th percentile, from GDAL's approximate histogram (a fixed sample of blocks,
// or an overview). It depends on the scene's file only, so every run, shard and fleet worker gets the same
// range. Min/max would let a few bright pixels (ships, glints) squeeze the rest into the darkest grey levels.
ByteRange histogram_range(GDALRasterBand& band, TileScene& scene, int band_number) {
  const auto min_max = valid_min_max(band, scene, band_number);
  // Nothing but nodata: every tile of it is blank, there is nothing to stretch (was: the whole run failed).
  if (!min_max) return {0, 0};
  raster::CapturedGdalErrors errors;
  const double min = (*min_max)[0], max = (*min_max)[1];
  if (!(max > min)) {
    // One value has no range to stretch: every valid pixel comes out 0 (1 beside nodata), black under full alpha.
    std::ostringstream value;
    value << min;
    scene.warnings.push_back("--scale auto on '" + scene.path + "': band " + std::to_string(band_number) +
                             " holds one value (" + value.str() +
                             "): its pixels come out black; give --scale MIN,MAX to place it");
    return {min, max};
  }
  // Integer samples get one bucket per value when they span at most 65536; anything else 65536 buckets.
  const GDALDataType type = band.GetRasterDataType();
  const bool per_value = !GDALDataTypeIsFloating(type) && !GDALDataTypeIsComplex(type) && max - min < 65536;
  const auto buckets = per_value ? static_cast<std::size_t>(max - min) + 1 : std::size_t{65536};
  const double low_edge = per_value ? min - 0.5 : min, high_edge = per_value ? max + 0.5 : max;
  std::vector<GUIntBig> histogram(buckets);
  // Out-of-range samples (the histogram may sample blocks the min/max did not) count in the end buckets.
  // GDALRasterBand's own computation, not the PAM override most drivers have: that one saved the histogram in
  // SCENE.aux.xml beside the input (a write into the inputs' directory) and answered later runs from that file,
  // which the scene's fingerprint does not cover (an edited or stale one changed every tile).
  if (band.GDALRasterBand::GetHistogram(low_edge, high_edge, static_cast<int>(buckets), histogram.data(), TRUE, TRUE,
                                        GDALDummyProgress, nullptr) != CE_None ||
      errors.failed()) {
    throw_unreadable_range(scene, band_number, errors.last_failure());
  }
  GUIntBig total = 0;
  for (const auto count : histogram) total += count;
  if (total == 0) return {min, max};
  const double width = (high_edge - low_edge) / static_cast<double>(buckets);
  const auto low = percentile_bucket(histogram, total, 2), high = percentile_bucket(histogram, total, 98);
  const ByteRange range = per_value ? ByteRange{min + static_cast<double>(low), min + static_cast<double>(high)}
                                    : ByteRange{low_edge + static_cast<double>(low) * width,
                                                low_edge + static_cast<double>(high + 1) * width};
  return range.max > range.min ? range : ByteRange{min, max};  // nearly constant: the whole range
}

// A damaged scene (a block that fails to read) has no GDAL histogram: its range then comes from the blocks that read,
// so that the damaged block fails only its tiles (exit 3), as it does with --scale MIN,MAX.
ByteRange auto_range(GDALRasterBand& band, TileScene& scene, int band_number) {
  try {
    return histogram_range(band, scene, band_number);
  } catch (const core::DataError&) {
    const auto sampled = sampled_range(band);
    if (sampled.unreadable_blocks == 0) throw;
    const std::string which = "--scale auto on '" + scene.path + "': band " + std::to_string(band_number);
    const std::string damaged =
        std::to_string(sampled.unreadable_blocks) + " block(s) that fail to read (their tiles fail)";
    if (!sampled.range) {  // as a band of nothing but nodata: its readable tiles are blank
      scene.warnings.push_back(
          which + " has no valid pixel in the sample of the blocks that read: range [0, 0], past " + damaged);
      return {0, 0};
    }
    scene.warnings.push_back(which + "'s range is read past the " + damaged);
    return *sampled.range;
  }
}

std::vector<ByteRange> scale_ranges(GDALDataset& dataset, TileScene& scene, const Scale& scale) {
  std::vector<ByteRange> ranges;
  for (std::size_t i = 0; i < scene.output_bands; ++i) {
    const int band = scene.read_bands[i];
    ranges.push_back(scale.automatic ? auto_range(*dataset.GetRasterBand(band), scene, band)
                                     : ByteRange{scale.min, scale.max});
  }
  return ranges;
}

// Tokens bound the tiles in flight, not a tile's size: one tile larger than the budget is refused here
// rather than allocated (a padded 65536-px tile of a small scene would be gigabytes of fill).
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
  if (!scene.info.geotransform) {
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
  if (info.alpha_band > 0) {
    const auto at = std::find(scene.read_bands.begin(), scene.read_bands.end(), info.alpha_band);
    scene.blank_rule.alpha_index = static_cast<int>(at - scene.read_bands.begin());
    if (at == scene.read_bands.end()) scene.read_bands.push_back(info.alpha_band);  // read for blank detection only
  }
  for (int b : scene.read_bands) {
    const auto nodata = usable_nodata(info, b, scene.warnings);
    scene.fill.push_back(nodata.value_or(0.0));  // alpha without nodata pads as 0: transparent
    scene.blank_rule.nodata.push_back(nodata);
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
  return scene;
}

}  // namespace swath::tiling
