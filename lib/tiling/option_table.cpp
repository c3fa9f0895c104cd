// The tile section declared once: what `swath tile`'s flags, the config file, SWATH_TILE__* variables and a
// fleet tile task's options set, with the defaults of TileOptions.
#include <algorithm>

#include "config/schema.hpp"
#include "tiling/options.hpp"

#include "core/errors.hpp"

namespace swath::tiling {

namespace {

using config::Entry;
using config::Type;

const std::string& text_of(const Entry& e) { return std::get<std::string>(e.value); }
const std::vector<std::string>& list_of(const Entry& e) { return std::get<std::vector<std::string>>(e.value); }

std::string scale_text(const Scale& s) {
  return s.automatic ? "auto" : config::number_text(s.min) + "," + config::number_text(s.max);
}

std::string bands_text(const std::vector<int>& bands) {
  std::string out;
  for (int b : bands) out += (out.empty() ? "" : ",") + std::to_string(b);
  return out;
}

std::string shard_text(const Shard& s) {
  return s.count == 1 ? "" : std::to_string(s.index) + "/" + std::to_string(s.count);
}

}  // namespace

const config::OptionTable<TileOptions>& tile_table() {
  static const auto table =
      config::OptionTable<TileOptions>("tile")
          .integer(
              {"size", "--size", "tile width and height in pixels"}, 16, 65536,
              [](TileOptions & o) -> auto& { return o.grid.size; })
          .integer(
              {"overlap", "--overlap", "pixels shared by neighbouring tiles (less than tile.size)"}, 0, 65535,
              [](TileOptions & o) -> auto& { return o.grid.overlap; })
          .parsed(
              {"edge", "--edge",
               "edge tiles padded with nodata to full size (GTiff/COG: 0, marked as nodata, when the scene has none), or shrunk"},
              Type::choice, [](TileOptions & o) -> auto& { return o.grid.edge; },
              [](Edge e) { return std::string(e == Edge::pad ? "pad" : "shrink"); },
              [](const Entry& e) { return text_of(e) == "shrink" ? Edge::shrink : Edge::pad; }, {"pad", "shrink"})
          .parsed(
              {"format", "-f,--format", "output format of the tiles: GTiff, COG, PNG, JPEG or WEBP (any case)"},
              Type::string, [](TileOptions & o) -> auto& { return o.format; }, format_name,
              [](const Entry& e) { return parse_format(text_of(e), e.origin.describe()); })
          .list(
              {"creation_options", "--co", "GDAL creation option KEY=VALUE for the output driver (repeatable)"},
              [](TileOptions & o) -> auto& { return o.creation_options; })
          .parsed(
              {"bands", "--bands", "bands to write, 1-based, in order, e.g. 3,2,1 (empty: all)"}, Type::list,
              [](TileOptions & o) -> auto& { return o.bands; }, bands_text,
              [](const Entry& e) { return parse_bands(list_of(e), e.origin.describe()); })
          .parsed(
              {"scale", "--scale",
               "non-Byte data to Byte for PNG/JPEG/WEBP: auto (2nd to 98th percentile of the scene) or MIN,MAX"},
              Type::string, [](TileOptions & o) -> auto& { return o.scale; }, scale_text,
              [](const Entry& e) { return parse_scale(text_of(e), e.origin.describe()); })
          .number(
              {"skip_blank", "--skip-blank",
               "skip tiles whose nodata/alpha/padding fraction is at least this (1: only fully blank, 0: never skip)"},
              0, 1, [](TileOptions & o) -> auto& { return o.skip_blank; })
          .parsed(
              {"shard", "--shard", "I/N: take the I-th of N deterministic shares of the tiles (0-based)"}, Type::string,
              [](TileOptions & o) -> auto& { return o.shard; }, shard_text,
              [](const Entry& e) { return parse_shard(text_of(e), e.origin.describe()); });
  return table;
}

bool pyramid_reads(const std::string& key) { return key == "format" || key == "creation_options" || key == "shard"; }

TileOptions options_from(const config::Config& config) {
  TileOptions options = tile_table().apply(config);
  options.resources = pipeline::resources_table().apply(config);
  // Recorded one way (and one fleet task: fleet::task_options does the same): --co a=1 --co B=2 is --co B=2 --co A=1.
  options.creation_options = canonical_creation_options(std::move(options.creation_options));
  // A flag that would change nothing is refused (a config file's value is not: one file may serve every format).
  const auto& scale = config.entry("tile.scale");
  if (scale.origin.layer == config::Layer::flag && !format_needs_byte(options.format)) {
    throw core::UsageError("--scale " + scale.text,
                           std::string(format_name(options.format)) +
                               " tiles keep the scene's values; --scale maps them to 8 bits for PNG, JPEG and WEBP",
                           "leave --scale out, or add -f PNG (or JPEG, WEBP)");
  }
  return options;
}

}  // namespace swath::tiling
