// The pyramid's layout, header and records: gdal2tiles' zooms, blocks sized by --max-memory, tiles counted in range.
#include "webmap/run_setup.hpp"

#include <algorithm>
#include <filesystem>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "log/logger.hpp"
#include "tiling/plan.hpp"
#include "webmap/png_writer.hpp"

namespace swath::webmap {

namespace {

ZoomRange choose_zooms(const PyramidOptions& options, const std::vector<PyramidScene>& scenes) {
  if (options.webmap.zoom) return *options.webmap.zoom;
  ZoomRange zooms{max_zoom, 0};
  for (const auto& scene : scenes) {
    const auto z = scene.default_zooms(options.webmap.tile_size);
    zooms.min = std::min(zooms.min, z.min);
    zooms.max = std::max(zooms.max, std::min(z.max, max_zoom));
  }
  zooms.min = std::min(zooms.min, zooms.max);
  return zooms;
}

// Blocks of up to 8×8 base tiles, fewer when one would take more than an eighth of --max-memory. Independent of
// --threads: the blocks decide the warp's chunks, so they must not change with it.
int choose_root_zoom(ZoomRange zooms, int tile_size, int channels, double grid_factor, std::size_t max_memory) {
  int depth = std::min(3, zooms.max - zooms.min);
  const auto block_bytes = [&](int d) {
    const auto side = static_cast<std::size_t>(tile_size) << d;
    // the canvas and its halvings, and the scene's grid when a coarse --zoom makes it finer than the canvas
    return side * side * static_cast<std::size_t>(channels) * 3 / 2 + extra_grid_bytes(grid_factor, side, channels);
  };
  while (depth > 0 && block_bytes(depth) > max_memory / 8) --depth;
  return zooms.max - depth;
}

}  // namespace

std::vector<PyramidScene> prepare_scenes(const PyramidOptions& options) {
  const auto names = tiling::scene_names(options.tile.scenes);
  std::vector<PyramidScene> scenes;
  for (std::size_t i = 0; i < options.tile.scenes.size(); ++i) {
    scenes.push_back(prepare_scene(options.tile.scenes[i], names[i]));
    for (const auto& warning : scenes.back().warnings) log::get("tile")->warn("{}", warning);
  }
  check_same_layout(scenes);
  return scenes;
}

std::int64_t count_in_range(const PyramidLayout& layout, int from_zoom, const TileKey* within) {
  std::int64_t total = 0;
  for (int z = std::max(from_zoom, layout.zooms.min); z <= layout.zooms.max; ++z) {
    std::vector<TileRange> clipped;
    for (const auto& per_zoom : layout.ranges) {
      TileRange r = per_zoom[static_cast<std::size_t>(z)];
      if (within != nullptr && z >= within->z) {
        const int d = z - within->z;
        r.min_x = std::max(r.min_x, within->x << d);
        r.max_x = std::min(r.max_x, ((within->x + 1) << d) - 1);
        r.min_y = std::max(r.min_y, within->y << d);
        r.max_y = std::min(r.max_y, ((within->y + 1) << d) - 1);
      }
      if (!r.empty()) clipped.push_back(r);
    }
    std::set<std::int64_t> rows;
    for (const auto& r : clipped) {
      for (std::int64_t y = r.min_y; y <= r.max_y; ++y) rows.insert(y);
    }
    for (std::int64_t y : rows) {
      std::vector<std::pair<std::int64_t, std::int64_t>> spans;
      for (const auto& r : clipped) {
        if (y >= r.min_y && y <= r.max_y) spans.emplace_back(r.min_x, r.max_x);
      }
      std::sort(spans.begin(), spans.end());
      std::int64_t covered_to = -1;
      for (const auto& [a, b] : spans) {
        if (b > covered_to) total += b - std::max(a, covered_to + 1) + 1;
        covered_to = std::max(covered_to, b);
      }
    }
  }
  return total;
}

tiling::TileLook tile_look(const PyramidOptions& options, std::size_t data_bands) {
  tiling::TileLook look;
  look.format = options.tile.format;
  look.creation_options = options.tile.creation_options;
  // Level 1 (libdeflate in swath's PNG encoder, zlib in GDAL's driver): a third of level 6's encoding time for a few
  // percent more bytes on imagery (README, bench/README).
  const bool zlevel_given = std::any_of(look.creation_options.begin(), look.creation_options.end(),
                                        [](const std::string& o) { return o.rfind("ZLEVEL=", 0) == 0; });
  if (look.format == tiling::Format::png && !zlevel_given) look.creation_options.push_back("ZLEVEL=1");
  look.scene = {0, 0, options.webmap.tile_size, options.webmap.tile_size};
  // WEBP holds 3 or 4 bands: grey scenes are written as RGB(A) there (encode).
  const bool grey = data_bands == 1 && look.format != tiling::Format::webp;
  look.colors = grey ? std::vector<GDALColorInterp>{GCI_GrayIndex, GCI_AlphaBand}
                     : std::vector<GDALColorInterp>{GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand};
  look.nodata.assign(look.colors.size(), std::nullopt);
  return look;
}

PyramidLayout make_layout(const PyramidOptions& options, const std::vector<PyramidScene>& scenes) {
  PyramidLayout layout;
  layout.scenes = &scenes;
  layout.tile_size = options.webmap.tile_size;
  layout.resampling = options.webmap.resampling;
  layout.zooms = choose_zooms(options, scenes);
  layout.channels = static_cast<int>(scenes.front().data_bands.size()) + 1;
  for (const auto& scene : scenes) {
    const double grid_pixel =
        scene.pixel_size * static_cast<double>(grid_step(scene, layout.zooms.max, layout.tile_size));
    layout.grid_factor = std::max(layout.grid_factor, resolution(layout.zooms.max, layout.tile_size) / grid_pixel);
  }
  layout.root_zoom = choose_root_zoom(layout.zooms, layout.tile_size, layout.channels, layout.grid_factor,
                                      options.tile.resources.max_memory);
  layout.look = tile_look(options, scenes.front().data_bands.size());
  layout.png_level = own_png_level(layout.look);
  layout.ranges = scene_ranges(scenes, layout.zooms, layout.tile_size);
  return layout;
}

std::vector<std::vector<TileRange>> scene_ranges(const std::vector<PyramidScene>& scenes, ZoomRange zooms,
                                                 int tile_size) {
  std::vector<std::vector<TileRange>> ranges;
  for (const auto& scene : scenes) {
    for (const auto& part : world_parts(scene.meters)) {
      ranges.emplace_back();
      for (int z = 0; z <= zooms.max; ++z) {
        ranges.back().push_back(z >= zooms.min ? tiles_covering(part.meters, z, tile_size) : TileRange{z});
      }
    }
  }
  return ranges;
}

core::Json header_json(const PyramidOptions& options, const PyramidLayout& layout, const core::Json& provenance) {
  core::Json list = core::Json::array();
  for (const auto& scene : *layout.scenes) {
    list.push_back(tiling::scene_header_json(scene.name, scene.path, scene.info));  // georeferenced: required
    if (scene.fingerprint) list.as_array().back().set("fingerprint", *scene.fingerprint);
    // Where it lies: a re-run whose scene moved (same size) would leave the tiles it no longer covers
    // (tiling::OtherRuns); --resume redoes a scene described otherwise.
    core::Json geotransform = core::Json::array();
    for (const double c : scene.info.geotransform->c) geotransform.push_back(c);
    list.as_array().back().set("geotransform", std::move(geotransform));
  }
  core::Json out = output_options_json(options);
  return core::Json::Object{{"schema", "swath.tiles/1"},
                            {"grid", "xyz"},
                            {"provenance", provenance},
                            {"options", std::move(out)},
                            {"zoom", core::Json::Array{layout.zooms.min, layout.zooms.max}},
                            {"scenes", std::move(list)}};
}

void remove_stale_tile_temporaries(const std::string& dir, const PyramidLayout& layout) {
  for (int z = layout.zooms.min; z <= layout.zooms.max; ++z) {
    // The columns there, not every column in range: scenes far apart span many columns that hold no tiles.
    const std::string zoom_dir = dir + "/" + std::to_string(z);
    std::error_code error;
    for (std::filesystem::directory_iterator it(zoom_dir, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name.size() > 10 || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::int64_t x = std::stoll(name);
      const bool in_range = std::any_of(layout.ranges.begin(), layout.ranges.end(), [&](const auto& per_zoom) {
        const auto zi = static_cast<std::size_t>(z);
        return zi < per_zoom.size() && !per_zoom[zi].empty() && x >= per_zoom[zi].min_x && x <= per_zoom[zi].max_x;
      });
      std::error_code kind_error;
      if (in_range && it->is_directory(kind_error)) core::remove_stale_temporaries(it->path().string());
    }
  }
}

tiling::TileRecord record_of(const TileKey& key, const std::string& sha256, std::uint64_t bytes,
                             const PyramidOptions& options, tiling::TileStatus status) {
  tiling::TileRecord record;
  record.status = status;
  record.xyz = tiling::XyzTile{key.z, key.x, key.y};
  record.id = key.text();
  if (status == tiling::TileStatus::written) record.path = tiling::xyz_relative_path(*record.xyz, options.tile.format);
  record.bounds = tile_bounds(key, options.webmap.tile_size);
  record.bounds_wgs84 = meters_to_lonlat(*record.bounds);
  record.sha256 = sha256;
  record.bytes = bytes;
  return record;
}

void Directories::ensure(const TileKey& key) {
  const std::string dir = root_ + "/" + std::to_string(key.z) + "/" + std::to_string(key.x);
  std::lock_guard lock(mutex_);
  if (made_.count(dir) != 0) return;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw core::IoError("cannot create '" + dir + "'", error.message(), "check the output directory");
  made_.insert(dir);
}

}  // namespace swath::webmap
