// The webmap section declared once (flags --grid, --zoom, --resampling, --tile-size), and its checks.
#include <array>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "tiling/encode.hpp"
#include "webmap/options.hpp"

namespace swath::webmap {

namespace {

using config::Entry;
using config::Type;

const std::string& text_of(const Entry& e) { return std::get<std::string>(e.value); }

Resampling parse_resampling(const std::string& text) {
  if (text == "near") return Resampling::near;
  if (text == "bilinear") return Resampling::bilinear;
  if (text == "cubic") return Resampling::cubic;
  if (text == "mode") return Resampling::mode;
  return Resampling::average;
}

std::string zoom_text(const std::optional<ZoomRange>& z) {
  return z ? std::to_string(z->min) + "-" + std::to_string(z->max) : "";
}

}  // namespace

std::string resampling_name(Resampling r) {
  switch (r) {
    case Resampling::near:
      return "near";
    case Resampling::bilinear:
      return "bilinear";
    case Resampling::cubic:
      return "cubic";
    case Resampling::average:
      return "average";
    case Resampling::mode:
      return "mode";
  }
  return "average";
}

const config::OptionTable<WebmapOptions>& webmap_table() {
  static const auto table =
      config::OptionTable<WebmapOptions>("webmap")
          .parsed(
              {"grid", "--grid", "chips: windows of each scene's pixel grid; xyz: a WebMercator z/x/y pyramid"},
              Type::choice, [](WebmapOptions & o) -> auto& { return o.grid; },
              [](GridKind g) { return std::string(g == GridKind::xyz ? "xyz" : "chips"); },
              [](const Entry& e) { return text_of(e) == "xyz" ? GridKind::xyz : GridKind::chips; }, {"chips", "xyz"})
          .parsed(
              {"zoom", "--zoom",
               "xyz: zoom levels MIN-MAX or Z, 0..24 (empty: from one tile to the native resolution, as gdal2tiles)"},
              Type::string, [](WebmapOptions & o) -> auto& { return o.zoom; }, zoom_text,
              [](const Entry& e) -> std::optional<ZoomRange> {
                if (text_of(e).empty()) return std::nullopt;
                return parse_zoom(text_of(e), e.origin.describe());
              })
          .parsed(
              {"resampling", "--resampling", "xyz: resampling of the warp and of each lower zoom"}, Type::choice,
              [](WebmapOptions & o) -> auto& { return o.resampling; }, resampling_name,
              [](const Entry& e) { return parse_resampling(text_of(e)); },
              {"near", "bilinear", "cubic", "average", "mode"})
          .parsed(
              {"tile_size", "--tile-size", "xyz: tile width and height in pixels, 256 or 512"}, Type::choice,
              [](WebmapOptions & o) -> auto& { return o.tile_size; }, [](int s) { return std::to_string(s); },
              [](const Entry& e) { return text_of(e) == "512" ? 512 : 256; }, {"256", "512"});
  return table;
}

PyramidOptions pyramid_options_from(const config::Config& config) {
  PyramidOptions options{tiling::options_from(config), webmap_table().apply(config), {}, false, {}};
  if (options.webmap.grid == GridKind::xyz && config.entry("tile.format").origin.layer == config::Layer::builtin) {
    options.tile.format = tiling::Format::png;
  }
  options.sharded = config.entry("tile.shard").origin.layer != config::Layer::builtin;
  return options;
}

bool is_archive_path(const std::string& path) {
  // Any case, as formats and detect's output extensions: OUT.PMTILES was written as a directory of tiles.
  const std::string suffix = ".pmtiles";
  return path.size() > suffix.size() && core::to_lower(path.substr(path.size() - suffix.size())) == suffix;
}

void validate(const PyramidOptions& o) {
  const auto& t = o.tile;
  if (t.format == tiling::Format::gtiff || t.format == tiling::Format::cog) {
    throw core::UsageError("--grid xyz: format " + tiling::format_name(t.format),
                           "a web map takes PNG, JPEG or WEBP tiles",
                           "pass --format PNG (the default with --grid xyz), JPEG or WEBP");
  }
  if (!t.bands.empty() || t.overwrite) {
    const std::string flag = t.overwrite ? "--overwrite" : "--bands";
    throw core::UsageError(flag + " with --grid xyz", "it applies to chips only (for now)",
                           t.overwrite ? "remove the pyramid first, or choose another -o"
                                       : "leave --bands out: a web map takes a scene's 1 or 3 bands (plus alpha)");
  }
  if (!t.only_indices.empty()) {
    throw core::UsageError("--grid xyz", "a task of grid cells is for chips only",
                           "enqueue the pyramid's scenes, not a manifest");
  }
  if ((o.sharded || t.shard.count > 1) && (!o.archive.empty() || t.format != tiling::Format::png)) {
    throw core::UsageError("--shard with --grid xyz",
                           !o.archive.empty() ? "shards write tiles into a shared directory, not into an archive"
                                              : "the merge rebuilds the zooms above the split from the shards' tiles, "
                                                "which only PNG gives back exactly (JPEG and WEBP are lossy)",
                           !o.archive.empty() ? "pass -o DIR to the shards, then --merge-shards DIR"
                                              : "pass --format PNG, or build a JPEG or WEBP pyramid on one machine");
  }
  // Refused now, not once the whole pyramid is built (was: hours of work, then "Is a directory").
  if (std::error_code ec; !o.archive.empty() && std::filesystem::is_directory(o.archive, ec)) {
    throw core::UsageError("-o '" + o.archive + "'", "it is a directory: the archive is one file",
                           "name a file, or remove the directory first");
  }
  if (static_cast<std::size_t>(t.shard.count) > max_shards) {  // as enqueue refuses --shards
    throw core::UsageError("--shard " + std::to_string(t.shard.index) + "/" + std::to_string(t.shard.count),
                           "a pyramid is split into at most " + std::to_string(max_shards) + " shards",
                           "split it into " + std::to_string(max_shards) + " shards or fewer");
  }
  // Web-map tiles are bytes: RGB(A), or grey and alpha (JPEG: no alpha); tried as RGBA (RGB for JPEG).
  tiling::validate_creation_options(t);
  tiling::check_encoding(t.format, t.creation_options, t.format == tiling::Format::jpeg ? 3 : 4, GDT_Byte);
  if (t.scenes.empty()) throw core::UsageError("--grid xyz", "no scene given", "name at least one raster");
  if (t.output_dir.empty() && o.archive.empty()) {
    throw core::UsageError("--grid xyz", "no output directory", "pass -o DIR or -o OUT.pmtiles");
  }
  if (!o.archive.empty() && t.resume) {
    throw core::UsageError("--resume with -o '" + o.archive + "'",
                           "a PMTiles archive is written in one go, it cannot be resumed",
                           "run again without --resume, or pass -o DIR to get a resumable tile directory");
  }
}

void refuse_other_grid_flags(const config::Config& config, bool grid_applies, const std::string& options_grid) {
  static const std::array<const char*, 5> chips_keys{"tile.size", "tile.overlap", "tile.edge", "tile.scale",
                                                     "tile.skip_blank"};
  static const std::array<const char*, 4> webmap_keys{"webmap.grid", "webmap.zoom", "webmap.resampling",
                                                      "webmap.tile_size"};
  const auto given = [&](const char* key) -> const std::string* {
    const auto& entry = config.entry(key);
    return entry.origin.layer == config::Layer::flag ? &entry.origin.where : nullptr;
  };
  if (!grid_applies) {
    for (const char* key : webmap_keys) {
      if (const auto* flag = given(key)) {
        throw core::UsageError(*flag, "web-map options are for tile tasks",
                               "leave " + *flag + " out, or pass --kind tile");
      }
    }
    return;
  }
  const auto& grid = config.entry("webmap.grid");
  if (!options_grid.empty()) {
    if (core::to_lower(options_grid) != "chips" && core::to_lower(options_grid) != "xyz") {
      throw core::UsageError("--options: grid \"" + options_grid + "\"", "", "expected \"chips\" or \"xyz\"");
    }
    if (grid.origin.layer == config::Layer::flag && grid.text != core::to_lower(options_grid)) {
      throw core::UsageError("--grid " + grid.text + " with \"grid\":\"" + options_grid + "\" in --options",
                             "two grids", "give the grid once");
    }
  }
  const std::string chosen = options_grid.empty() ? config.get_string("webmap.grid") : core::to_lower(options_grid);
  if (chosen == "xyz") {
    // Where the grid was chosen, when not by a flag on the same command line.
    const std::string where = !options_grid.empty()                      ? "\"grid\":\"xyz\" in --options"
                              : grid.origin.layer == config::Layer::flag ? "--grid xyz"
                                                                         : "grid xyz (" + grid.origin.describe() + ")";
    for (const char* key : chips_keys) {
      if (const auto* flag = given(key)) {
        throw core::UsageError(*flag + " with " + where,
                               "it applies to chips (--grid chips) only: a web map would ignore it",
                               "leave " + *flag + " out (a web map's tiles are --tile-size 256 or 512 at each --zoom)");
      }
    }
    return;
  }
  for (const char* key : webmap_keys) {
    if (const auto* flag = given(key); flag != nullptr && std::string_view(key) != "webmap.grid") {
      throw core::UsageError(*flag, "it applies to a web-map pyramid (--grid xyz) only: chips would ignore it",
                             "add --grid xyz, or leave " + *flag + " out");
    }
  }
}

core::Json output_options_json(const PyramidOptions& o) {
  core::Json co = core::Json::array();
  for (const auto& c : o.tile.creation_options) co.push_back(c);
  return core::Json::Object{{"grid", "xyz"},
                            {"zoom", zoom_text(o.webmap.zoom)},
                            {"resampling", resampling_name(o.webmap.resampling)},
                            {"tile_size", o.webmap.tile_size},
                            {"format", tiling::format_name(o.tile.format)},
                            {"creation_options", std::move(co)}};
}

}  // namespace swath::webmap
