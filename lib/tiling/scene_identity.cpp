// Whether a scene an earlier manifest lists is the scene this run names: same file, and no cells or tiles of it
// this run would leave behind.
#include "tiling/scene_identity.hpp"

#include <filesystem>

#include "core/errors.hpp"
#include "core/json_lines.hpp"
#include "tiling/grid.hpp"

namespace swath::tiling {

namespace {

namespace fs = std::filesystem;

std::int64_t int_field(const core::Json& json, const char* key) {
  const auto* value = json.find(key);
  return value != nullptr && value->is_int() ? value->as_int() : -1;
}

std::string size_of(const core::Json& scene) {
  return std::to_string(int_field(scene, "width")) + "×" + std::to_string(int_field(scene, "height")) + " px";
}

// Whether chips of a scene of `theirs`' size have cells a scene of `mine`'s lacks (a column or row more), in the
// grid `options` (a chips header's) gives.
bool cells_left_over(const core::Json& theirs, const core::Json& mine, const core::Json& options) {
  const auto* edge = options.find("edge");
  const GridOptions grid{
      int_field(options, "size"), int_field(options, "overlap"),
      edge != nullptr && edge->is_string() && edge->as_string() == "shrink" ? Edge::shrink : Edge::pad};
  try {
    const Grid before(int_field(theirs, "width"), int_field(theirs, "height"), grid);
    const Grid now(int_field(mine, "width"), int_field(mine, "height"), grid);
    return before.columns() > now.columns() || before.rows() > now.rows();
  } catch (const core::Error&) {
    return size_of(theirs) != size_of(mine);
  }
}

// Whether two scene entries name one file now, by any spelling (./s.tif, an absolute path, a link); a path that
// is gone, or a remote one spelt otherwise, is another.
bool same_file(const ManifestScene& a, const ManifestScene& b) {
  if (a.source == b.source) return true;
  std::error_code ec;
  return fs::equivalent(a.source_path(), b.source_path(), ec) && !ec;
}

// Whether a pyramid's scene may leave tiles it no longer covers: another size, or another place on the map (its
// geotransform, when both headers record one: older ones do not).
bool pyramid_left_over(const core::Json& theirs, const core::Json& mine) {
  if (size_of(theirs) != size_of(mine)) return true;
  const auto* before = theirs.find("geotransform");
  const auto* now = mine.find("geotransform");
  return before != nullptr && now != nullptr && *before != *now;
}

}  // namespace

std::string changed_scene(const ManifestHeader& theirs, const ManifestHeader& ours) {
  const bool pyramid = core::string_field(ours.json, "grid") == "xyz";
  for (const auto& scene : theirs.scenes) {
    const auto* mine = ours.scene(scene.name);
    if (mine == nullptr) continue;
    const auto their_print = core::string_field(scene.json, "fingerprint");
    const auto my_print = core::string_field(mine->json, "fingerprint");
    const bool other_file =
        !their_print.empty() && !my_print.empty() && their_print != my_print && !same_file(scene, *mine);
    const bool left_over =
        pyramid ? pyramid_left_over(scene.json, mine->json) : cells_left_over(scene.json, mine->json, ours.options);
    if (!other_file && !left_over) continue;
    const auto their_size = size_of(scene.json);
    const auto my_size = size_of(mine->json);
    const std::string what = their_size != my_size ? "" : left_over ? ", elsewhere on the map" : ", other content";
    return "scene '" + scene.name + "' of '" + scene.source + "' (" + their_size + "), not this run's '" +
           mine->source + "' (" + my_size + what + ")";
  }
  return "";
}

}  // namespace swath::tiling
