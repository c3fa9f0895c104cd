// `index` detector: a band-math index (NDVI, NDWI or an expression over named bands) thresholded into
// regions, outlined with GDAL polygonize, kept when at least a minimum area in m².
#pragma once

#include <string>
#include <vector>

#include "detect/detector.hpp"
#include "detect/expression.hpp"

namespace swath::detect {

struct IndexOptions {
  std::string index = "ndwi";      // ndvi, ndwi or an expression
  double threshold = 0.3;          // regions where the index is above this
  std::vector<std::string> bands;  // NAME=BAND overrides, e.g. nir=4
  double min_area_m2 = 100;
  double margin_m = 0;  // context read around windows (large regions cut by edges merge anyway)
  std::string cls;      // "" → the index name
};

// "ndvi" or "ndwi" for those names in any case; any other index (an expression) as given.
std::string canonical_index(const std::string& index);

class IndexDetector final : public Detector {
 public:
  explicit IndexDetector(IndexOptions options);
  std::string name() const override { return "index"; }
  void prepare(const raster::SceneInfo& scene, const SceneMeasure& measure) override;
  std::int64_t margin(const SceneMeasure& measure) const override;
  std::vector<int> bands(const SceneMeasure& measure) const override;
  bool uses_data_mask() const override { return true; }
  std::vector<Candidate> detect(const WindowPixels& pixels, const SceneMeasure& measure) const override;
  core::Json options_json() const override;

 private:
  IndexOptions options_;
  Expression expression_;
};

}  // namespace swath::detect
