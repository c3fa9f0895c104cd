// TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0) for the pyramid.
#include "webmap/tilejson.hpp"

#include <algorithm>

#include "core/files.hpp"

namespace swath::webmap {

core::Json tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom) {
  core::Bounds meters = layout.scenes->front().meters;
  for (const auto& scene : *layout.scenes) {
    meters = {std::min(meters.min_x, scene.meters.min_x), std::min(meters.min_y, scene.meters.min_y),
              std::max(meters.max_x, scene.meters.max_x), std::max(meters.max_y, scene.meters.max_y)};
  }
  const core::Bounds b = meters_to_lonlat(meters);
  std::string name;
  for (const auto& scene : *layout.scenes) name += (name.empty() ? "" : ", ") + scene.name;
  return core::Json::Object{{"tilejson", "3.0.0"},
                            {"name", name},
                            {"scheme", "xyz"},
                            {"tiles", core::Json::Array{"{z}/{x}/{y}." + tiling::file_extension(options.tile.format)}},
                            {"minzoom", minzoom},
                            {"maxzoom", layout.zooms.max},
                            {"bounds", core::Json::Array{b.min_x, b.min_y, b.max_x, b.max_y}},
                            {"center", core::Json::Array{(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2, minzoom}}};
}

void write_tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom) {
  core::write_file_atomic(options.tile.output_dir + "/tilejson.json", tilejson(options, layout, minzoom).dump() + "\n");
}

}  // namespace swath::webmap
