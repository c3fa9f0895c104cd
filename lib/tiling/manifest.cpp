// Manifest lines and their GeoJSON features.
#include "tiling/manifest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gdal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "raster/scene.hpp"
#include "tiling/plan.hpp"

namespace swath::tiling {

namespace fs = std::filesystem;

core::Json scene_header_json(const std::string& name, const std::string& source, const raster::SceneInfo& info) {
  return core::Json::Object{{"name", name},
                            {"source", source},
                            {"width", info.width},
                            {"height", info.height},
                            {"bands", info.band_count},
                            {"data_type", GDALGetDataTypeName(info.data_type)},
                            {"georeferenced", info.georeferenced()}};
}

namespace {

core::Json bounds_json(const core::Bounds& b) { return core::Json::Array{b.min_x, b.min_y, b.max_x, b.max_y}; }

core::Json window_json(const core::Window& w) {
  return core::Json::Object{{"x", w.x}, {"y", w.y}, {"width", w.width}, {"height", w.height}};
}

std::optional<core::Window> parse_window(const core::Json* json) {
  if (json == nullptr || !json->is_object()) return std::nullopt;
  return core::Window{json->at("x").as_int(), json->at("y").as_int(), json->at("width").as_int(),
                      json->at("height").as_int()};
}

core::Json box_polygon(const core::Bounds& b) {
  return core::Json::Array{core::Json::Array{core::Json::Array{b.min_x, b.min_y}, core::Json::Array{b.max_x, b.min_y},
                                             core::Json::Array{b.max_x, b.max_y}, core::Json::Array{b.min_x, b.max_y},
                                             core::Json::Array{b.min_x, b.min_y}}};
}

// A footprint across the antimeridian (west > east, as GDAL's TransformBounds gives it, or a 0-360 scene's east past
// 180) is two boxes, one each side (RFC 7946 3.1.9): one box from west to east would span the globe the other way.
core::Json footprint_geometry(core::Bounds b) {
  if (b.min_x > 180) b.min_x -= 360, b.max_x -= 360;
  if (b.max_x > 180) b.max_x -= 360;
  if (b.min_x <= b.max_x) return core::Json::Object{{"type", "Polygon"}, {"coordinates", box_polygon(b)}};
  return core::Json::Object{{"type", "MultiPolygon"},
                            {"coordinates", core::Json::Array{box_polygon({b.min_x, b.min_y, 180, b.max_y}),
                                                              box_polygon({-180, b.min_y, b.max_x, b.max_y})}}};
}

}  // namespace

core::Json feature_json(const TileRecord& r) {
  return core::Json::Object{
      {"type", "Feature"},
      {"properties",
       r.xyz ? core::Json::Object{{"id", r.id}, {"path", r.path}, {"z", r.xyz->z}, {"x", r.xyz->x}, {"y", r.xyz->y}}
             : core::Json::Object{{"id", r.id}, {"path", r.path}, {"row", r.cell.row}, {"col", r.cell.col}}},
      {"geometry", footprint_geometry(*r.bounds_wgs84)}};
}

const core::Json* options_hash_of(const core::Json& header) {
  const auto* provenance = header.find("provenance");
  const auto* hash = provenance != nullptr ? provenance->find("options_hash") : nullptr;
  return hash != nullptr && hash->is_string() ? hash : nullptr;
}

core::Json with_canonical_creation_options(const core::Json& options) {
  const auto* given = options.is_object() ? options.find("creation_options") : nullptr;
  if (given == nullptr || !given->is_array()) return options;
  std::vector<std::string> items;
  for (const auto& item : given->as_array()) {
    if (!item.is_string()) return options;  // not a list swath wrote: compared as it is
    items.push_back(item.as_string());
  }
  core::Json sorted = core::Json::array();
  for (auto& item : canonical_creation_options(std::move(items))) sorted.push_back(std::move(item));
  core::Json out = options;
  out.set("creation_options", std::move(sorted));
  return out;
}

bool same_options(const core::Json& header, const core::Json& other) {
  const auto* ours = options_hash_of(header);
  const auto* theirs = options_hash_of(other);
  if (ours == nullptr || theirs == nullptr) return false;
  if (*ours == *theirs) return true;
  const auto* our_options = header.find("options");
  const auto* their_options = other.find("options");
  if (our_options == nullptr || their_options == nullptr) return false;
  return with_canonical_creation_options(*our_options) == with_canonical_creation_options(*their_options);
}

std::string status_name(TileStatus status) {
  switch (status) {
    case TileStatus::written:
      return "written";
    case TileStatus::blank:
      return "blank";
    case TileStatus::failed:
      return "failed";
  }
  return "failed";
}

// A web-map tile's line: where it is in the pyramid instead of a scene's grid.
static core::Json xyz_json(const TileRecord& r) {
  core::Json line = core::Json::Object{
      {"id", r.id}, {"z", r.xyz->z}, {"x", r.xyz->x}, {"y", r.xyz->y}, {"status", status_name(r.status)}};
  if (r.status == TileStatus::written) line.set("path", r.path);
  if (r.bounds) line.set("bounds", bounds_json(*r.bounds));
  if (r.bounds_wgs84) line.set("bounds_wgs84", bounds_json(*r.bounds_wgs84));
  if (r.status == TileStatus::written) {
    line.set("bytes", r.bytes);
    line.set("sha256", r.sha256);
  }
  if (r.status == TileStatus::failed) line.set("error", r.error);
  return line;
}

core::Json to_json(const TileRecord& r) {
  if (r.xyz) return xyz_json(r);
  core::Json line = core::Json::Object{{"id", r.id},        {"scene", r.scene},  {"index", r.cell.index},
                                       {"row", r.cell.row}, {"col", r.cell.col}, {"status", status_name(r.status)}};
  if (r.status == TileStatus::written) line.set("path", r.path);
  line.set("window", window_json(r.cell.window));
  line.set("source_window", window_json(r.cell.source));
  if (r.bounds) line.set("bounds", bounds_json(*r.bounds));
  if (r.bounds_wgs84) line.set("bounds_wgs84", bounds_json(*r.bounds_wgs84));
  if (r.status == TileStatus::written) {
    line.set("bytes", r.bytes);
    line.set("sha256", r.sha256);
  }
  if (r.status == TileStatus::failed) line.set("error", r.error);
  return line;
}

std::optional<TileRecord> parse_record(const core::Json& line) {
  if (!line.is_object() || line.find("id") == nullptr || line.find("status") == nullptr) return std::nullopt;
  TileRecord r;
  r.id = line.at("id").as_string();
  if (const auto* scene = line.find("scene")) r.scene = scene->as_string();
  const std::string status = line.at("status").as_string();
  if (status == "written") {
    r.status = TileStatus::written;
    r.path = line.at("path").as_string();
    r.bytes = static_cast<std::uint64_t>(line.at("bytes").as_int());
    r.sha256 = line.at("sha256").as_string();
  } else if (status == "blank") {
    r.status = TileStatus::blank;
  } else {
    r.status = TileStatus::failed;
  }
  if (line.find("z") != nullptr && line.find("index") == nullptr) {
    r.xyz = XyzTile{static_cast<int>(line.at("z").as_int()), line.at("x").as_int(), line.at("y").as_int()};
    return r;
  }
  r.cell.index = line.at("index").as_int();
  r.cell.row = line.at("row").as_int();
  r.cell.col = line.at("col").as_int();
  if (auto w = parse_window(line.find("window"))) r.cell.window = *w;
  if (auto w = parse_window(line.find("source_window"))) r.cell.source = *w;
  return r;
}

std::string xyz_name(const XyzTile& tile) {
  return std::to_string(tile.z) + "/" + std::to_string(tile.x) + "/" + std::to_string(tile.y);
}

std::string xyz_relative_path(const XyzTile& tile, Format format) {
  return xyz_name(tile) + "." + file_extension(format);
}

std::string journal_path(const std::string& output_dir, const std::string& manifest_name) {
  return output_dir + "/." + manifest_name + ".journal";
}

}  // namespace swath::tiling
