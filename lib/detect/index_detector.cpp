// Index → threshold mask → GDALPolygonize (per-thread MEM datasets) → area filter → outlines.
#include "detect/index_detector.hpp"

#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "vector/ogr_shape.hpp"

namespace swath::detect {

namespace {

constexpr std::int64_t kMinimumMargin = 64;  // pixels

// NAME=BAND with a name and a band from 1; anything else is refused when the detector is made, before any scene.
void check_band_mappings(const std::vector<std::string>& mappings) {
  for (const auto& mapping : mappings) {
    const auto eq = mapping.find('=');
    const std::string number = eq == std::string::npos ? "" : mapping.substr(eq + 1);
    const bool digits =
        !number.empty() && number.size() <= 6 && number.find_first_not_of("0123456789") == std::string::npos;
    if (eq == std::string::npos || eq == 0 || !digits || std::stoi(number) < 1) {
      throw core::UsageError("--index-bands '" + mapping + "'", "expected NAME=BAND with a band number from 1",
                             "e.g. --index-bands nir=4 (repeat the flag, or separate with commas, for more bands)");
    }
  }
  // A name given two bands: the first would win unsaid.
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    const auto name = mappings[i].substr(0, mappings[i].find('='));
    for (std::size_t j = 0; j < i; ++j) {
      if (mappings[j].substr(0, mappings[j].find('=')) == name && mappings[j] != mappings[i])
        throw core::UsageError("--index-bands '" + mappings[i] + "'", "band '" + name + "' is also " + mappings[j],
                               "give each band name one number");
    }
  }
}

int band_for(const std::string& name, const IndexOptions& options, const SceneMeasure& measure) {
  for (const auto& mapping : options.bands) {
    const auto eq = mapping.find('=');
    if (eq != std::string::npos && mapping.substr(0, eq) == name) return std::stoi(mapping.substr(eq + 1));
  }
  for (std::size_t b = 0; b < measure.band_names.size(); ++b) {
    if (measure.band_names[b] == name) return static_cast<int>(b + 1);
  }
  return 0;
}

std::string names_text(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + (names[i].empty() ? "(unnamed)" : names[i]);
  return out;
}

// Outlines of the set pixels of `mask` (block pixels), with their pixel areas. Regions are 4-connected: pixels
// meeting only at a corner are two regions (GDAL's 8-connected outline of them touches itself there, an invalid
// polygon that GEOS cannot unite across windows, and making it valid cost 10-30x the detection on noisy masks).
// GDAL's 4-connected outlines are valid OGC polygons, holes included (a hole may touch its exterior at a corner).
std::vector<std::pair<vector::Shape, double>> polygonize(std::vector<std::uint8_t>& mask, std::int64_t width,
                                                         std::int64_t height) {
  if (width <= 0 || height <= 0) return {};
  auto* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDatasetUniquePtr raster(mem->Create("", static_cast<int>(width), static_cast<int>(height), 1, GDT_Byte, nullptr));
  if (!raster)
    throw core::DataError("index detector", "cannot make an in-memory mask of " + std::to_string(width) + "×" +
                                                std::to_string(height) + " px");
  auto* band = raster->GetRasterBand(1);
  if (band->RasterIO(GF_Write, 0, 0, static_cast<int>(width), static_cast<int>(height), mask.data(),
                     static_cast<int>(width), static_cast<int>(height), GDT_Byte, 0, 0) != CE_None) {
    throw core::DataError("index detector", "cannot fill the in-memory mask");
  }
  auto* memory = GetGDALDriverManager()->GetDriverByName("Memory");
  GDALDatasetUniquePtr shapes(memory->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  OGRLayer* layer = shapes->CreateLayer("regions", nullptr, wkbPolygon, nullptr);
  OGRFieldDefn value("value", OFTInteger);
  layer->CreateField(&value);
  if (GDALPolygonize(band, band, layer, 0, nullptr, nullptr, nullptr) != CE_None) {
    throw core::DataError("index detector", "GDAL polygonize failed");
  }
  std::vector<std::pair<vector::Shape, double>> out;
  for (auto& feature : *layer) {
    const auto* polygon = feature->GetGeometryRef();
    if (!polygon || wkbFlatten(polygon->getGeometryType()) != wkbPolygon) continue;
    vector::Shape shape = vector::shape_of(polygon);
    if (!vector::has_outline(shape)) continue;
    out.emplace_back(std::move(shape), polygon->toPolygon()->get_Area());
  }
  return out;
}

// Counts, over any box of block pixels, of region pixels beside no data (a 4-neighbour of no data): a region whose
// box holds one may go on where another, overlapping scene has data, so it is treated as cut. Empty without no data.
class BesideNoData {
 public:
  BesideNoData(const std::vector<std::uint8_t>& mask, const std::vector<std::uint8_t>& data, std::int64_t width,
               std::int64_t height)
      : width_(width) {
    if (data.empty() || std::all_of(data.begin(), data.end(), [](std::uint8_t d) { return d != 0; })) return;
    const auto at = [&](std::int64_t x, std::int64_t y) { return static_cast<std::size_t>(y * width + x); };
    sums_.assign(static_cast<std::size_t>((width + 1) * (height + 1)), 0);
    for (std::int64_t y = 0; y < height; ++y) {
      for (std::int64_t x = 0; x < width; ++x) {
        const bool beside =
            mask[at(x, y)] != 0 && ((x > 0 && data[at(x - 1, y)] == 0) || (x + 1 < width && data[at(x + 1, y)] == 0) ||
                                    (y > 0 && data[at(x, y - 1)] == 0) || (y + 1 < height && data[at(x, y + 1)] == 0));
        sums_[sum_at(x + 1, y + 1)] =
            (beside ? 1 : 0) + sums_[sum_at(x, y + 1)] + sums_[sum_at(x + 1, y)] - sums_[sum_at(x, y)];
      }
    }
  }
  // Whether the box [x0, x1) x [y0, y1) of block pixels holds a region pixel beside no data.
  bool any(std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1) const {
    if (sums_.empty()) return false;
    return sums_[sum_at(x1, y1)] - sums_[sum_at(x0, y1)] - sums_[sum_at(x1, y0)] + sums_[sum_at(x0, y0)] > 0;
  }

 private:
  std::size_t sum_at(std::int64_t x, std::int64_t y) const { return static_cast<std::size_t>(y * (width_ + 1) + x); }
  std::int64_t width_;
  std::vector<std::int64_t> sums_;
};

// What the presets find, named as `swath synth` names it in its truth (so synth → detect → eval matches); an
// expression's regions are named by the expression.
std::string default_class(const std::string& index) {
  if (core::to_lower(index) == "ndwi") return "water";
  if (core::to_lower(index) == "ndvi") return "vegetation";
  return index;
}

}  // namespace

std::string canonical_index(const std::string& index) {
  const auto lower = core::to_lower(index);
  return lower == "ndvi" || lower == "ndwi" ? lower : index;
}

IndexDetector::IndexDetector(IndexOptions options)
    : options_(std::move(options)), expression_(Expression::parse(index_formula(options_.index))) {
  options_.index = canonical_index(options_.index);  // one spelling in the provenance (and a fleet job's id)
  check_band_mappings(options_.bands);
  if (options_.cls.empty()) options_.cls = default_class(options_.index);
}

// Each scene's own: all scenes are prepared before the first is detected, so nothing per scene is kept here.
std::vector<int> IndexDetector::bands(const SceneMeasure& measure) const {
  std::vector<int> numbers;
  for (const auto& name : expression_.names()) numbers.push_back(band_for(name, options_, measure));
  return numbers;
}

void IndexDetector::prepare(const raster::SceneInfo& scene, const SceneMeasure& measure) {
  for (const auto& name : expression_.names()) {
    const int band = band_for(name, options_, measure);
    if (band > scene.band_count) {
      throw core::UsageError("--index-bands " + name + "=" + std::to_string(band),
                             "scene '" + scene.path + "' has " + std::to_string(scene.band_count) + " band(s)",
                             "give a band from 1 to " + std::to_string(scene.band_count));
    }
    if (band < 1) {
      throw core::UsageError("index '" + options_.index + "'",
                             "it needs band '" + name + "', which scene '" + scene.path +
                                 "' does not have (its bands: " + names_text(measure.band_names) + ")",
                             "name it with --index-bands " + name + "=N (1-based), or pick another index");
    }
  }
}

// Regions are outlined over the window plus this context, so a region smaller than the context comes out
// whole (and identical) from every window that touches it; larger ones are joined by the merge.
std::int64_t IndexDetector::margin(const SceneMeasure& measure) const {
  // Capped as cfar's: a pixel of almost no size gives a huge margin, not an overflow (it was, under UBSan).
  const double pixels = std::ceil(options_.margin_m / std::min(measure.pixel_width_m, measure.pixel_height_m));
  return kMinimumMargin + (pixels > 0 ? static_cast<std::int64_t>(std::min(pixels, 1e12)) : 0);
}

std::vector<Candidate> IndexDetector::detect(const WindowPixels& pixels, const SceneMeasure& measure) const {
  const auto& block = pixels.block;
  const auto count = static_cast<std::size_t>(block.window.pixels());
  const auto values =
      expression_.evaluate(count, [&](std::size_t i) { return reinterpret_cast<const float*>(block.band_data(i)); });
  std::vector<std::uint8_t> mask(count);
  // Compared as the float the index is: 0.3 as a double is below 0.3f, so a pixel at exactly 0.3 was "above" 0.3.
  const auto threshold = static_cast<float>(options_.threshold);
  for (std::size_t i = 0; i < count; ++i) mask[i] = values[i] > threshold ? 1 : 0;  // NaN → 0
  if (!pixels.data_mask.empty()) {
    for (std::size_t i = 0; i < count; ++i) mask[i] = mask[i] && pixels.data_mask[i] ? 1 : 0;  // no region on no data
  }
  const BesideNoData beside_no_data(mask, pixels.data_mask, block.window.width, block.window.height);
  std::vector<Candidate> out;
  const double pixel_area = measure.pixel_width_m * measure.pixel_height_m;
  for (auto& [shape, area] : polygonize(mask, block.window.width, block.window.height)) {
    Candidate c;
    c.cls = options_.cls;
    c.score = 1;
    for (auto& polygon : shape) {
      for (auto& ring : polygon) {
        for (auto& p : ring)
          p = {p[0] + static_cast<double>(block.window.x), p[1] + static_cast<double>(block.window.y)};
      }
    }
    const auto box = vector::envelope(shape);
    c.x0 = box.min_x, c.y0 = box.min_y, c.x1 = box.max_x, c.y1 = box.max_y;
    const auto& w = pixels.window;
    if (c.x1 <= static_cast<double>(w.x) || c.x0 >= static_cast<double>(w.right()) ||
        c.y1 <= static_cast<double>(w.y) || c.y0 >= static_cast<double>(w.bottom())) {
      continue;  // lies in the context only: a neighbouring window reports it
    }
    const auto& read = block.window;
    c.cut = c.x0 <= static_cast<double>(read.x) || c.y0 <= static_cast<double>(read.y) ||
            c.x1 >= static_cast<double>(read.right()) || c.y1 >= static_cast<double>(read.bottom()) ||
            beside_no_data.any(static_cast<std::int64_t>(c.x0) - read.x, static_cast<std::int64_t>(c.y0) - read.y,
                               static_cast<std::int64_t>(c.x1) - read.x, static_cast<std::int64_t>(c.y1) - read.y);
    // A whole region is measured here; a cut one only once its pieces are united (a thin river is small in every
    // window it crosses), so it carries the minimum with it.
    if (area * pixel_area < options_.min_area_m2) {
      if (!c.cut) continue;
      c.min_area = options_.min_area_m2 / pixel_area;
    }
    c.shape = vector::canonical(std::move(shape));
    out.push_back(std::move(c));
  }
  return out;
}

core::Json IndexDetector::options_json() const {
  core::Json bands = core::Json::array();
  for (const auto& b : options_.bands) bands.push_back(b);
  return core::Json::Object{{"index", options_.index},
                            {"threshold", options_.threshold},
                            {"bands", bands},
                            {"min_area_m2", options_.min_area_m2},
                            {"margin_m", options_.margin_m},
                            {"class", options_.cls}};
}

}  // namespace swath::detect
