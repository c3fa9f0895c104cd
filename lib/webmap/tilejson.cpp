// TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0) for the pyramid.
#include "webmap/tilejson.hpp"

#include <algorithm>

#include "core/files.hpp"

namespace swath::webmap {

core::Json tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom) {
  const auto grow = [](core::Bounds& into, const core::Bounds& m) {
    into = {std::min(into.min_x, m.min_x), std::min(into.min_y, m.min_y), std::max(into.max_x, m.max_x),
            std::max(into.max_y, m.max_y)};
  };
  core::Bounds extent = layout.scenes->front().meters;  // east past the world's edge across the antimeridian
  core::Bounds inside = world_parts(extent).front().meters;
  for (const auto& scene : *layout.scenes) {
    grow(extent, scene.meters);
    for (const auto& part : world_parts(scene.meters)) grow(inside, part.meters);
  }
  // Bounds never wrap round the antimeridian (TileJSON 3.0.0): across it they are the world's width; the centre is
  // the scene's own, taken back into the world.
  const core::Bounds b = meters_to_lonlat(inside);
  double centre_lon = (b.min_x + b.max_x) / 2;
  if (extent.max_x > inside.max_x) {
    const core::Bounds across = meters_to_lonlat(extent);
    centre_lon = (across.min_x + across.max_x) / 2;
    if (centre_lon > 180) centre_lon -= 360;
  }
  std::string name;
  for (const auto& scene : *layout.scenes) name += (name.empty() ? "" : ", ") + scene.name;
  return core::Json::Object{{"tilejson", "3.0.0"},
                            {"name", name},
                            {"scheme", "xyz"},
                            {"tiles", core::Json::Array{"{z}/{x}/{y}." + tiling::file_extension(options.tile.format)}},
                            {"minzoom", minzoom},
                            {"maxzoom", layout.zooms.max},
                            {"bounds", core::Json::Array{b.min_x, b.min_y, b.max_x, b.max_y}},
                            {"center", core::Json::Array{centre_lon, (b.min_y + b.max_y) / 2, minzoom}}};
}

void write_tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom) {
  core::write_file_atomic(options.tile.output_dir + "/tilejson.json", tilejson(options, layout, minzoom).dump() + "\n");
}

}  // namespace swath::webmap
