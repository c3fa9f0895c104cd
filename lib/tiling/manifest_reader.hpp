// Reading tiles.jsonl and its journal: the one reader of what ManifestWriter writes, used by --resume, a run's
// other tile sets, `swath detect` and the fleet's planning (hand-made manifests too).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/json.hpp"
#include "core/json_lines.hpp"
#include "tiling/manifest.hpp"

namespace swath::tiling {

// A scene as a header describes it.
struct ManifestScene {
  std::string name;    // its tiles' directory: what tile lines call "scene"
  std::string source;  // the path `swath tile` was given, as recorded; "" when not recorded
  core::Json json;     // the whole description: size, bands, grid, fingerprint, ...
  // `source` as a path: a relative one is taken relative to the current directory (run where `swath tile` ran),
  // spelt one way (core::resolved_path); "" when not recorded.
  std::string source_path() const;
};

// The header: a line with a "schema" key, and only such a line. `swath tile` writes one, first; a journal gains
// one per resumed run. A header governs the tile lines after it, up to the next header.
struct ManifestHeader {
  core::Json json;     // as written
  std::string where;   // "manifest PATH:LINE"
  std::string schema;  // "swath.tiles/1" from swath tile; "" when not a string
  core::Json options;  // "options": what shapes the tiles (size, overlap, edge, format, ...); null when absent
  std::vector<ManifestScene> scenes;                          // the "scenes" entries that have a name
  const ManifestScene* scene(const std::string& name) const;  // nullptr when not described

  // A header line (read, or the one a run is about to write) with its parts.
  static ManifestHeader from(core::Json json, std::string where = "");
};

// A tile line: any line that is not a header. swath tile writes every field; hand-made manifests may hold fewer.
struct ManifestLine {
  core::Json json;     // as written (a tile task carries it)
  std::string where;   // "manifest PATH:LINE"
  std::string id;      // "id" (swath tile: "scene/r000000_c000001"); else "tile_id"; else the stem of "path"
  std::string scene;   // "scene": the name of a scene its header describes; "" when absent
  std::string status;  // "written", "blank" or "failed"; "" when absent (a hand-made line: a file)
  std::string path;    // "path" as written: relative to the manifest's directory unless absolute; "" when absent
  std::string file;    // `path` resolved: absolute and /vsi ones as written, relative ones joined to the
                       // manifest's directory (as the reader was given it), lexically normal; "" when absent
  std::optional<std::int64_t> index;  // "index": the cell of the scene's grid, row-major
  std::optional<std::int64_t> bytes;  // the file's size (written tiles)
  std::string sha256;                 // the file's SHA-256 (written tiles); "" when absent

  // Whether the line names a tile file: blank and failed tiles have none.
  bool has_file() const { return status.empty() || status == "written"; }
  // `file`; a DataError naming the line when it has no "path".
  const std::string& tile_file() const;
  // The whole record swath tile wrote (what --resume keeps); nullopt for a line that holds less.
  std::optional<TileRecord> record() const;
};

using ManifestEntry = std::variant<ManifestHeader, ManifestLine>;

class ManifestReader {
 public:
  // Throws IoError when the file cannot be opened. With MalformedLines::skip, lines that are not JSON objects
  // are passed over (a journal's last line torn by a kill); by default they are a DataError naming file:line.
  explicit ManifestReader(const std::string& path, core::MalformedLines malformed = core::MalformedLines::refuse);

  // The next header or tile line, in file order; nullopt at the end. Throws IoError when a read fails.
  std::optional<ManifestEntry> next();
  // The next header; the tile lines before it are passed over unparsed (a journal may hold millions).
  std::optional<ManifestHeader> next_header();
  // From now on tile lines hold only these members (the others read as absent, and checked as JSON but not
  // built: a reader of millions of lines wanting few of their fields); headers stay whole.
  void keep_only(std::vector<std::string> members) { lines_.keep_only(std::move(members), "schema"); }

  const std::string& path() const { return lines_.path(); }

 private:
  ManifestEntry entry(core::JsonLine line) const;
  core::JsonLinesReader lines_;
  std::filesystem::path dir_;
};

}  // namespace swath::tiling
