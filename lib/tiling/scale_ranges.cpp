// --scale ranges of a scene's output bands: MIN,MAX as given, or auto from GDAL's histogram (past damaged blocks).
#include "tiling/scale_ranges.hpp"

#include <array>
#include <optional>
#include <sstream>

#include "core/errors.hpp"
#include "raster/gdal_errors.hpp"
#include "tiling/sampled_range.hpp"

namespace swath::tiling {

namespace {

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

}  // namespace

std::vector<ByteRange> scale_ranges(GDALDataset& dataset, TileScene& scene, const Scale& scale) {
  std::vector<ByteRange> ranges;
  for (std::size_t i = 0; i < scene.output_bands; ++i) {
    const int band = scene.read_bands[i];
    ranges.push_back(scale.automatic ? auto_range(*dataset.GetRasterBand(band), scene, band)
                                     : ByteRange{scale.min, scale.max});
  }
  return ranges;
}

}  // namespace swath::tiling
