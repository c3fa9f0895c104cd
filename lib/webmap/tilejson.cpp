// TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0) for the pyramid.
#include "webmap/tilejson.hpp"

#include <algorithm>
#include <optional>

#include "core/files.hpp"
#include "log/logger.hpp"

namespace swath::webmap {

core::Json tilejson(const PyramidOptions& options, const PyramidLayout& layout, int minzoom) {
  // The scenes' parts inside the world, and the same parts seen from 180° (the western hemisphere moved east by the
  // world's width; a part across 0° fills that frame): scenes round the antimeridian are narrow only there.
  constexpr double world = 2 * origin_shift;
  std::optional<core::Bounds> inside, from_180;
  const auto grow = [](std::optional<core::Bounds>& into, const core::Bounds& m) {
    into = into ? core::Bounds{std::min(into->min_x, m.min_x), std::min(into->min_y, m.min_y),
                               std::max(into->max_x, m.max_x), std::max(into->max_y, m.max_y)}
                : m;
  };
  for (const auto& scene : *layout.scenes) {
    for (const auto& part : world_parts(scene.meters)) {
      const auto& m = part.meters;
      grow(inside, m);
      grow(from_180, m.max_x <= 0   ? core::Bounds{m.min_x + world, m.min_y, m.max_x + world, m.max_y}
                     : m.min_x >= 0 ? m
                                    : core::Bounds{0, m.min_y, world, m.max_y});
    }
  }
  // Bounds never wrap round the antimeridian (TileJSON 3.0.0): across it they are the world's width; the centre is
  // the scenes' own, taken back into the world.
  const core::Bounds b = meters_to_lonlat(*inside);
  double centre_lon = (b.min_x + b.max_x) / 2;
  if (from_180->max_x - from_180->min_x < inside->max_x - inside->min_x) {
    const double centre_x = (from_180->min_x + from_180->max_x) / 2;
    centre_lon = (centre_x > origin_shift ? centre_x - world : centre_x) / origin_shift * 180.0;
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

void write_tilejson_if_any(const PyramidOptions& options, const PyramidLayout& layout, const LowestZoom& lowest,
                           std::int64_t failed, std::vector<std::string>& warnings) {
  if (lowest.any()) {
    write_tilejson(options, layout, lowest.or_else(layout.zooms.min));
    return;
  }
  const std::string why = failed > 0 ? std::to_string(failed) + " failed, every other one in range is blank"
                                     : "every one in range is blank";
  warnings.push_back("no tile of zooms " + std::to_string(layout.zooms.min) + "-" + std::to_string(layout.zooms.max) +
                     " has data (" + why +
                     "): no tilejson.json is written, so no map client opens an empty pyramid as a complete one; "
                     "tiles.jsonl lists the " +
                     (failed > 0 ? "failed and blank tiles" : "blank tiles"));
  log::get("tile")->warn("{}", warnings.back());
}

void remove_tilejson(const std::string& dir) {
  core::remove_file_if_present(dir + "/tilejson.json",
                               "this run replaces the pyramid it describes: check the output directory's permissions");
}

}  // namespace swath::webmap
