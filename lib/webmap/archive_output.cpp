// The PMTiles archive's info from the pyramid's TileJSON and manifest header; the archive's folder made ready.
#include "webmap/archive_output.hpp"

#include <filesystem>
#include <system_error>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "pmtiles/directory_archive.hpp"
#include "webmap/tilejson.hpp"

namespace swath::webmap {

pmtiles::ArchiveInfo archive_info(const PyramidOptions& options, const PyramidLayout& layout, const core::Json& header,
                                  int minzoom) {
  const core::Json document = tilejson(options, layout, minzoom);
  pmtiles::ArchiveInfo info;
  info.tile_type = pmtiles::tile_type_for_extension(tiling::file_extension(options.tile.format));
  info.metadata = core::Json::object();
  for (const auto& [key, value] : document.as_object()) {
    if (key != "tiles") info.metadata.set(key, value);
  }
  info.metadata.set("swath", header);
  const auto& b = document.at("bounds").as_array();
  info.bounds = pmtiles::Bounds{b[0].as_double(), b[1].as_double(), b[2].as_double(), b[3].as_double()};
  const auto& c = document.at("center").as_array();
  info.center = pmtiles::Center{c[0].as_double(), c[1].as_double(), static_cast<int>(c[2].as_int())};
  return info;
}

void prepare_archive_folder(const std::string& archive) {
  const std::filesystem::path path(archive);
  const std::string folder = path.has_parent_path() ? path.parent_path().string() : ".";
  core::ensure_writable_directory(folder);
  // Before the work, not at its end ("Is a directory" once the pyramid or the merge was done).
  if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
    throw core::UsageError("-o '" + archive + "'", "it is a directory: the archive is one file",
                           "name a file, or remove the directory first");
  }
  core::remove_stale_temporaries(folder, path.filename().string());
}

}  // namespace swath::webmap
