// ManifestReader: one definition of a header line, one resolution of a tile's path, one style of error.
#include "tiling/manifest_reader.hpp"

#include "core/errors.hpp"
#include "core/files.hpp"

namespace swath::tiling {

namespace {

std::optional<std::int64_t> int_field(const core::Json& line, const char* key) {
  const auto* value = line.find(key);
  return value != nullptr && value->is_int() ? std::optional<std::int64_t>(value->as_int()) : std::nullopt;
}

}  // namespace

ManifestHeader ManifestHeader::from(core::Json json, std::string where) {
  ManifestHeader header;
  header.schema = core::string_field(json, "schema");
  if (const auto* options = json.find("options")) header.options = *options;
  if (const auto* scenes = json.find("scenes"); scenes != nullptr && scenes->is_array()) {
    for (const auto& scene : scenes->as_array()) {
      if (!scene.is_object()) continue;
      const auto* name = scene.find("name");
      if (name == nullptr || !name->is_string()) continue;
      header.scenes.push_back({name->as_string(), core::string_field(scene, "source"), scene});
    }
  }
  header.json = std::move(json);
  header.where = std::move(where);
  return header;
}

std::string ManifestScene::source_path() const { return core::resolved_path(source); }

const ManifestScene* ManifestHeader::scene(const std::string& name) const {
  for (const auto& s : scenes) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const std::string& ManifestLine::tile_file() const {
  if (file.empty()) {
    throw core::DataError(where, "no \"path\"",
                          "a written tile's line names its file in \"path\", relative to the manifest's directory");
  }
  return file;
}

std::optional<TileRecord> ManifestLine::record() const {
  try {
    return parse_record(json);
  } catch (const core::Error&) {
    return std::nullopt;  // a hand-edited line without a field swath tile writes
  }
}

ManifestReader::ManifestReader(const std::string& path, core::MalformedLines malformed)
    : lines_(path, malformed), dir_(std::filesystem::path(path).parent_path()) {}

ManifestEntry ManifestReader::entry(core::JsonLine line) const {
  if (line.value.find("schema") != nullptr) return ManifestHeader::from(std::move(line.value), std::move(line.where));
  ManifestLine tile;
  tile.id = core::string_field(line.value, "id");
  tile.scene = core::string_field(line.value, "scene");
  tile.status = core::string_field(line.value, "status");
  // Another word (a typo, another case) was read as a tile with no file, and passed over without a word.
  if (!tile.status.empty() && tile.status != "written" && tile.status != "blank" && tile.status != "failed") {
    throw core::DataError(line.where, "status '" + tile.status + "' is none of written, blank or failed",
                          "fix the line as swath tile writes it, or leave \"status\" out of a hand-made line naming a "
                          "tile file");
  }
  tile.path = core::string_field(line.value, "path");
  tile.sha256 = core::string_field(line.value, "sha256");
  tile.index = int_field(line.value, "index");
  tile.bytes = int_field(line.value, "bytes");
  if (!tile.path.empty()) {
    const std::filesystem::path path(tile.path);
    tile.file =
        core::is_vsi_path(tile.path) || path.is_absolute() ? tile.path : (dir_ / path).lexically_normal().string();
  }
  if (tile.id.empty()) tile.id = core::string_field(line.value, "tile_id");
  if (tile.id.empty() && !tile.path.empty()) tile.id = std::filesystem::path(tile.path).stem().string();
  tile.json = std::move(line.value);
  tile.where = std::move(line.where);
  return tile;
}

std::optional<ManifestEntry> ManifestReader::next() {
  auto line = lines_.next();
  if (!line) return std::nullopt;
  return entry(std::move(*line));
}

std::optional<ManifestHeader> ManifestReader::next_header() {
  // A header has a "schema" key, so its text holds "schema" in quotes: other lines are not even parsed.
  while (auto line = lines_.next("\"schema\"")) {
    if (line->value.find("schema") != nullptr)
      return ManifestHeader::from(std::move(line->value), std::move(line->where));
  }
  return std::nullopt;
}

}  // namespace swath::tiling
