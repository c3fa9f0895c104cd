// Parsing and validation of the tile options, before any file is opened.
#include "tiling/options.hpp"

#include <gdal_priv.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "raster/gdal_errors.hpp"

namespace swath::tiling {

namespace {

struct FormatInfo {
  Format format;
  const char* driver;
  const char* extension;
};

constexpr FormatInfo formats[] = {{Format::gtiff, "GTiff", "tif"},
                                  {Format::cog, "COG", "tif"},
                                  {Format::png, "PNG", "png"},
                                  {Format::jpeg, "JPEG", "jpg"},
                                  {Format::webp, "WEBP", "webp"}};

bool parse_double(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  // "inf", "nan" and 1e400 are no pixel values to scale from (and JSON could not record them)
  return end == text.c_str() + text.size() && std::isfinite(out);
}

}  // namespace

Format parse_format(const std::string& text, const std::string& source) {
  const std::string wanted = core::to_lower(text);
  std::vector<std::string> names;
  for (const auto& f : formats) {
    if (core::to_lower(f.driver) == wanted || (wanted == "jpg" && f.format == Format::jpeg) ||
        (wanted == "tif" && f.format == Format::gtiff)) {
      return f.format;
    }
    names.emplace_back(f.driver);
  }
  const auto suggestion = core::closest_match(text, names);
  throw core::UsageError(source + ": unknown format '" + text + "'", "expected one of GTiff, COG, PNG, JPEG, WEBP",
                         suggestion ? "did you mean '" + *suggestion + "'?" : "");
}

std::string format_name(Format format) {
  for (const auto& f : formats) {
    if (f.format == format) return f.driver;
  }
  return "GTiff";
}

std::string file_extension(Format format) {
  for (const auto& f : formats) {
    if (f.format == format) return f.extension;
  }
  return "tif";
}

bool format_needs_byte(Format format) {
  return format == Format::png || format == Format::jpeg || format == Format::webp;
}

Scale parse_scale(const std::string& text, const std::string& source) {
  if (text.empty() || core::to_lower(text) == "auto") return {};
  const auto comma = text.find(',');
  Scale scale{false, 0, 0};
  if (comma == std::string::npos || !parse_double(core::trim(text.substr(0, comma)), scale.min) ||
      !parse_double(core::trim(text.substr(comma + 1)), scale.max) || !(scale.min < scale.max)) {
    throw core::UsageError(source + ": bad scale '" + text + "'", "expected auto or MIN,MAX with MIN < MAX",
                           "e.g. --scale 0,4000 for 12-bit reflectances");
  }
  return scale;
}

std::vector<int> parse_bands(const std::vector<std::string>& items, const std::string& source) {
  std::vector<int> bands;
  for (const auto& item : items) {
    for (const auto& part : core::split(item, ',')) {
      const std::string text = core::trim(part);
      if (text.empty()) continue;
      int band = 0;
      const auto result = std::from_chars(text.data(), text.data() + text.size(), band);
      if (result.ptr != text.data() + text.size() || band < 1) {
        throw core::UsageError(source + ": bad band '" + text + "'", "bands are numbered from 1", "e.g. --bands 3,2,1");
      }
      bands.push_back(band);
    }
  }
  return bands;
}

std::vector<std::string> canonical_creation_options(std::vector<std::string> options) {
  for (auto& item : options) {
    const auto equals = item.find('=');
    if (equals != std::string::npos) item = core::to_upper(item.substr(0, equals)) + item.substr(equals);
  }
  std::sort(options.begin(), options.end());
  options.erase(std::unique(options.begin(), options.end()), options.end());  // COMPRESS=X twice, as spelt apart
  return options;
}

void validate_creation_options(const TileOptions& options) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(format_name(options.format).c_str());
  if (driver == nullptr) {
    throw core::UsageError("format " + format_name(options.format), "this GDAL build has no such driver",
                           "`gdalinfo --formats` lists the drivers; use GTiff, COG or PNG");
  }
  std::vector<const char*> list;
  std::map<std::string, std::string> seen;  // KEY → the first KEY=VALUE
  for (const auto& item : options.creation_options) {
    if (item.find('=') == std::string::npos || item.front() == '=') {
      throw core::UsageError("creation option '" + item + "'", "expected KEY=VALUE", "e.g. --co COMPRESS=DEFLATE");
    }
    const std::string key = core::to_upper(item.substr(0, item.find('=')));
    // GDAL takes the first of two and ignores the other without a word.
    if (const auto [first, fresh] = seen.emplace(key, item);
        !fresh && core::to_upper(first->second) != core::to_upper(item)) {
      throw core::UsageError("creation options '" + first->second + "' and '" + item + "'", "one key, two values",
                             "give " + key + " once");
    }
    // Sidecars (.tfw, .wld) would be left in memory: a tile is one file, its place is in the manifest (and in
    // GTiff/COG tiles themselves).
    if (key == "TFW" || key == "WORLDFILE") {
      throw core::UsageError("creation option '" + item + "'", "swath writes one file per tile, no sidecar",
                             "leave it out: each tile's bounds are in tiles.jsonl and tiles.geojson");
    }
    list.push_back(item.c_str());
  }
  list.push_back(nullptr);
  // GDAL reports an unknown key or a bad value as a warning; swath treats it as a usage error.
  std::string complaint;
  int ok = 0;
  {
    const raster::CapturedGdalErrors heard(raster::CapturedGdalErrors::Warnings::keep);
    ok = GDALValidateCreationOptions(driver, const_cast<char**>(list.data()));
    if (!heard.warnings().empty()) complaint = heard.warnings().front().text;
    if (heard.failed()) complaint = heard.first_failure();
  }
  if (!ok) {
    throw core::UsageError(
        "creation options for " + format_name(options.format), complaint.empty() ? "rejected by the driver" : complaint,
        "`gdalinfo --format " + format_name(options.format) + "` lists the driver's creation options");
  }
}

void validate(const TileOptions& options) {
  if (options.scenes.empty()) {
    throw core::UsageError("no scene given", "swath tile needs at least one raster", "swath tile SCENE.tif -o tiles/");
  }
  if (options.output_dir.empty()) {
    throw core::UsageError("no output directory", "swath tile writes tiles into a directory", "add -o DIR");
  }
  Grid(1, 1, options.grid);  // throws UsageError for a bad size or overlap
  if (options.skip_blank < 0 || options.skip_blank > 1) {
    throw core::UsageError("skip-blank " + std::to_string(options.skip_blank), "must be a fraction from 0 to 1",
                           "e.g. --skip-blank 0.95");
  }
  for (const auto index : options.only_indices) {
    if (index < 0)
      throw core::UsageError("tile index " + std::to_string(index), "grid indices start at 0",
                             "indices count row-major from 0");
  }
  if (options.resources.threads < 0) {
    throw core::UsageError("threads " + std::to_string(options.resources.threads), "must be 0 (all cores) or more");
  }
  validate_creation_options(options);
}

core::Json output_options_json(const TileOptions& options) {
  core::Json bands = core::Json::array();
  for (int b : options.bands) bands.push_back(b);
  core::Json creation = core::Json::array();
  for (const auto& c : options.creation_options) creation.push_back(c);
  // Recorded as given, also where it changes no byte (GTiff, COG): manifests and fleet claims of earlier swaths
  // record it so, and a run is the same run as theirs.
  core::Json scale = options.scale.automatic ? core::Json("auto")
                                             : core::Json(core::Json::Array{options.scale.min, options.scale.max});
  return core::Json::Object{{"size", options.grid.size},
                            {"overlap", options.grid.overlap},
                            {"edge", options.grid.edge == Edge::pad ? "pad" : "shrink"},
                            {"format", format_name(options.format)},
                            {"creation_options", std::move(creation)},
                            {"bands", std::move(bands)},
                            {"scale", std::move(scale)},
                            {"skip_blank", options.skip_blank}};
}

}  // namespace swath::tiling
