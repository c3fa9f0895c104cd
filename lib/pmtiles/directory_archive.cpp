// Walks a z/x/y tile tree into an ArchiveWriter; the writer's output does not depend on the walk's order.
#include "pmtiles/directory_archive.hpp"

#include <charconv>
#include <filesystem>
#include <optional>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace swath::pmtiles {

namespace fs = std::filesystem;

namespace {

// A decimal name ("12"), the whole of `text`; nullopt for anything else.
std::optional<std::uint32_t> decimal(const std::string& text) {
  std::uint32_t value = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || err != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<fs::directory_entry> numbered_folders(const fs::path& dir) {
  std::vector<fs::directory_entry> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_directory() && decimal(entry.path().filename().string())) out.push_back(entry);
  }
  return out;
}

// bounds [w, s, e, n] and center [lon, lat, zoom] of a TileJSON, when present and well formed.
void read_tilejson(const std::string& path, ArchiveInfo& info) {
  const core::Json tilejson = core::Json::parse(core::read_file(path));
  if (!tilejson.is_object()) throw core::DataError("'" + path + "'", "not a JSON object");
  core::Json metadata = core::Json::object();
  for (const auto& [key, value] : tilejson.as_object()) {
    if (key != "tiles") metadata.set(key, value);
  }
  info.metadata = std::move(metadata);
  const core::Json* bounds = tilejson.find("bounds");
  if (bounds != nullptr && bounds->is_array() && bounds->as_array().size() == 4) {
    const auto& b = bounds->as_array();
    info.bounds = Bounds{b[0].as_double(), b[1].as_double(), b[2].as_double(), b[3].as_double()};
  }
  const core::Json* center = tilejson.find("center");
  if (center != nullptr && center->is_array() && center->as_array().size() == 3) {
    const auto& c = center->as_array();
    info.center = Center{c[0].as_double(), c[1].as_double(), static_cast<int>(c[2].as_int())};
  }
}

}  // namespace

TileType tile_type_for_extension(const std::string& extension) {
  if (extension == "png") return TileType::png;
  if (extension == "jpg" || extension == "jpeg") return TileType::jpeg;
  if (extension == "webp") return TileType::webp;
  if (extension == "avif") return TileType::avif;
  if (extension == "mvt" || extension == "pbf") return TileType::mvt;
  return TileType::unknown;
}

ArchiveSummary write_archive_from_directory(const std::string& dir, const std::string& out) {
  if (!fs::is_directory(dir)) {
    throw core::IoError("cannot read tile folder '" + dir + "'", "not a directory",
                        "give the folder `swath tile` wrote");
  }
  ArchiveInfo info;
  std::string extension;
  ArchiveWriter writer(out);
  try {
    for (const auto& z_dir : numbered_folders(dir)) {
      const auto z = static_cast<int>(*decimal(z_dir.path().filename().string()));
      for (const auto& x_dir : numbered_folders(z_dir.path())) {
        const std::uint32_t x = *decimal(x_dir.path().filename().string());
        for (const auto& file : fs::directory_iterator(x_dir.path())) {
          const std::string name = file.path().filename().string();
          const auto dot = name.find('.');
          const auto y = dot == std::string::npos ? std::nullopt : decimal(name.substr(0, dot));
          if (!file.is_regular_file() || !y) continue;  // hidden temporaries and strays are not tiles
          const std::string ext = name.substr(dot + 1);
          if (extension.empty()) extension = ext;
          if (ext != extension) {
            throw core::DataError("tile folder '" + dir + "'", "holds both ." + extension + " and ." + ext + " tiles",
                                  "archive one format at a time");
          }
          writer.add(z, x, *y, core::read_file(file.path().string()));
        }
      }
    }
  } catch (const fs::filesystem_error& e) {
    throw core::IoError("cannot read tile folder '" + dir + "'", e.code().message());
  }
  if (writer.tiles() == 0) {
    throw core::DataError("tile folder '" + dir + "'", "no {z}/{x}/{y}.{ext} tiles",
                          "give the folder `swath tile` wrote");
  }
  info.tile_type = tile_type_for_extension(extension);
  const std::string tilejson = (fs::path(dir) / "tilejson.json").string();
  if (fs::exists(tilejson)) read_tilejson(tilejson, info);
  return writer.finish(info);
}

}  // namespace swath::pmtiles
