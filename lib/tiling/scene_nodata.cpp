// A scene's nodata as its tiles declare it.
#include "tiling/scene_nodata.hpp"

#include <gdal.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace swath::tiling {

namespace {

std::string number(double value) {  // the shortest text that reads back as `value`: -9999, 1.5
  std::string out;
  core::append_json_number(out, value);
  return out;
}

}  // namespace

// A nodata value no pixel of the band's type can hold (-9999, 256 or 1.5 in a Byte band) marks no pixel: the band
// has none. Padding is then 0 declared as the padding's nodata (mark_padding), not 0 under a -9999 tag, which
// reads as data.
std::optional<double> usable_nodata(const raster::SceneInfo& info, int band, std::vector<std::string>& warnings) {
  const auto nodata = info.nodata[static_cast<std::size_t>(band - 1)];
  if (!nodata) return nodata;
  if (std::isnan(*nodata)) {
    if (GDALDataTypeIsInteger(info.data_type) == 0) return nodata;  // NaN marks pixels of a float band only
  } else {
    int clamped = 0, rounded = 0;
    GDALAdjustValueToDataType(info.data_type, *nodata, &clamped, &rounded);
    if (clamped == 0 && rounded == 0) return nodata;
  }
  warnings.push_back("band " + std::to_string(band) + " of '" + info.path + "' declares nodata " + number(*nodata) +
                     ", which no " + GDALGetDataTypeName(info.data_type) +
                     " pixel can hold: the band is tiled as having no nodata");
  return std::nullopt;
}

// A GTiff tile declares one nodata value for all its bands (GDAL's TIFFTAG_GDAL_NODATA): bands of other values
// would each read the last one, their padding as data and their real pixels of that value as nodata.
void refuse_nodata_per_band(const raster::SceneInfo& info, const std::vector<int>& bands, Format format) {
  if (format != Format::gtiff && format != Format::cog) return;
  std::vector<std::string> unused;
  std::vector<std::optional<double>> nodata;
  for (int b : bands) nodata.push_back(usable_nodata(info, b, unused));
  for (std::size_t i = 1; i < nodata.size(); ++i) {
    if (nodata[i] == nodata[0] || (nodata[i] && nodata[0] && std::isnan(*nodata[i]) && std::isnan(*nodata[0])))
      continue;
    const auto text = [](const std::optional<double>& v) { return v ? number(*v) : std::string("none"); };
    throw core::DataError("scene '" + info.path + "'",
                          "its bands declare different nodata values (band " + std::to_string(bands[0]) + " " +
                              text(nodata[0]) + ", band " + std::to_string(bands[i]) + " " + text(nodata[i]) + "); a " +
                              format_name(format) + " tile declares one for all its bands",
                          "give the bands one nodata value (gdal_translate -a_nodata V), or tile to PNG");
  }
}

void refuse_palette_loss(const raster::SceneInfo& info, const std::vector<int>& bands, Format format) {
  if (!info.palette || std::find(bands.begin(), bands.end(), 1) == bands.end()) return;
  std::string why;
  if (bands.size() != 1) {
    why = "several bands of tiles cannot keep its colour table";
  } else if (format == Format::jpeg || format == Format::webp) {
    why = format_name(format) + " tiles cannot keep its colour table";
  } else if (format_needs_byte(format) && info.data_type != GDT_Byte) {
    why = format_name(format) + " tiles would scale its " + GDALGetDataTypeName(info.data_type) + " indices to 8 bits";
  } else {
    return;
  }
  throw core::DataError(
      "scene '" + info.path + "'",
      "its band holds colour-table indices (a palette); " + why + ", and its values would read as grey",
      "tile it to GTiff, COG or (a Byte palette) PNG, or expand the palette first: gdal_translate "
      "-expand rgb '" +
          info.path + "' rgb.tif");
}

// A scene without nodata pads its edge tiles with 0, which would read as data. In GTiff/COG those tiles
// declare nodata 0 instead (so their 0-valued pixels read as nodata too: the price of padding without a
// nodata value; --edge shrink has no padding). Not when an alpha band is written (it marks padding itself),
// nor in PNG/JPEG/WebP (a nodata value there is a colour made transparent, or nothing at all).
void mark_padding(TileScene& scene, const TileOptions& options) {
  const bool tiff = options.format == Format::gtiff || options.format == Format::cog;
  const bool any_nodata =
      std::any_of(scene.look.nodata.begin(), scene.look.nodata.end(), [](const auto& v) { return v.has_value(); });
  // A palette's index 0 is a colour: declared nodata, it would turn transparent in the edge tiles only.
  if (!scene.look.palette.empty()) return;
  const auto output_bands = scene.read_bands.begin() + static_cast<std::ptrdiff_t>(scene.output_bands);
  const bool alpha_written = scene.info.alpha_band > 0 &&
                             std::find(scene.read_bands.begin(), output_bands, scene.info.alpha_band) != output_bands;
  const GridWindow last = scene.grid.at(scene.grid.count() - 1);
  const bool padded = last.window != last.source;  // the last window reaches furthest right and down
  if (options.grid.edge != Edge::pad || !tiff || any_nodata || alpha_written || !padded) return;
  scene.look.padding_nodata.assign(scene.output_bands, 0.0);
  scene.look.scene = core::Window{0, 0, scene.info.width, scene.info.height};
}

}  // namespace swath::tiling
