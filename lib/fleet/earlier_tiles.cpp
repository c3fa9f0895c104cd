// The earlier run's tiles a forced re-run of a tile task leaves behind, for the worker to remove once it commits.
#include "fleet/earlier_tiles.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <variant>
#include <vector>

#include "core/errors.hpp"
#include "tiling/manifest_reader.hpp"
#include "tiling/plan.hpp"
#include "worker/settle.hpp"

namespace swath::fleet {

namespace {

// What the new run's manifest says: each scene's grid (rows, columns) and the ids of the cells it planned.
struct NewRun {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> grids;
  std::set<std::string> cells;
  std::set<std::string> written;
};
NewRun read_new_run(const std::string& manifest) {
  NewRun run;
  tiling::ManifestReader reader(manifest);
  while (auto entry = reader.next()) {
    if (const auto* header = std::get_if<tiling::ManifestHeader>(&*entry)) {
      for (const auto& scene : header->scenes) {
        const auto* rows = scene.json.find("rows");
        const auto* columns = scene.json.find("columns");
        if (rows != nullptr && columns != nullptr && rows->is_int() && columns->is_int())
          run.grids[scene.name] = {rows->as_int(), columns->as_int()};
      }
    } else if (const auto* line = std::get_if<tiling::ManifestLine>(&*entry)) {
      run.cells.insert(line->id);
      if (!line->path.empty()) run.written.insert(line->path);
    }
  }
  return run;
}

}  // namespace

std::map<std::string, std::uint64_t> listed_tiles(const std::string& output, const std::string& manifest_name) {
  std::map<std::string, std::uint64_t> listed;
  const std::string path = output + "/" + manifest_name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return listed;
  tiling::ManifestReader reader(path, core::MalformedLines::skip);
  reader.keep_only({"id", "status", "path", "bytes"});
  while (auto entry = reader.next()) {
    const auto* line = std::get_if<tiling::ManifestLine>(&*entry);
    if (line == nullptr || line->status != "written" || !line->bytes) continue;
    try {
      worker::check_output_name(line->path);  // relative, no "..", nothing hidden
    } catch (const core::DataError&) {
      continue;
    }
    listed[line->path] = static_cast<std::uint64_t>(*line->bytes);
  }
  return listed;
}

std::map<std::string, std::uint64_t> earlier_tiles_left(const std::string& output, const std::string& manifest_name,
                                                        const std::string& new_manifest, const std::string& extension) {
  auto earlier = listed_tiles(output, manifest_name);
  const NewRun run = read_new_run(new_manifest);
  // A file at a cell of this task's that it did not write (blank or failed now) goes, whoever wrote it last, as
  // `swath tile` removes it: another shard's last run (the grid's width moved the cell) lists it in a manifest that
  // shard may already have replaced. No other task writes that cell now.
  for (const auto& id : run.cells) {
    const std::string path = id + "." + extension;
    std::error_code ec;
    if (run.written.count(path) > 0 || earlier.count(path) > 0 ||
        !std::filesystem::is_regular_file(std::filesystem::symlink_status(output + "/" + path, ec)))
      continue;
    if (const auto size = std::filesystem::file_size(output + "/" + path, ec); !ec) earlier[path] = size;
  }
  if (earlier.empty()) return earlier;
  std::erase_if(earlier, [&](const auto& entry) {
    const std::string& path = entry.first;
    if (run.written.count(path) > 0) return true;                            // written over
    if (run.cells.count(path.substr(0, path.rfind('.'))) > 0) return false;  // its own cell, not written: blank now
    const auto cell = tiling::tile_cell_of(path);
    if (!cell) return true;  // not a tile's name: never removed
    const auto grid = run.grids.find(cell->scene);
    const bool on_grid = grid != run.grids.end() && cell->row < grid->second.first && cell->col < grid->second.second;
    const std::string id = path.substr(0, path.rfind('.'));
    return on_grid && run.cells.count(id) == 0;  // another task's cell now
  });
  return earlier;
}

std::map<std::string, std::uint64_t> earlier_tiles_not_kept(const std::string& output, const std::string& manifest_name,
                                                            const std::set<std::string>& kept) {
  auto earlier = listed_tiles(output, manifest_name);
  std::erase_if(earlier, [&](const auto& entry) { return kept.count(entry.first) > 0; });
  return earlier;
}

}  // namespace swath::fleet
