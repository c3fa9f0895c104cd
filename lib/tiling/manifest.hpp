// The run's outputs besides tiles: tiles.jsonl (a header line, then one line per tile, in grid order),
// a GeoJSON index of tile footprints, and the journal that lets a killed run be resumed. Read back by
// tiling::ManifestReader (manifest_reader.hpp), the one reader of both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/files.hpp"
#include "core/geo.hpp"
#include "core/json.hpp"
#include "tiling/grid.hpp"
#include "tiling/options.hpp"

namespace swath::raster {
struct SceneInfo;
}

namespace swath::tiling {

enum class TileStatus { written, blank, failed };
std::string status_name(TileStatus status);
// A manifest header's provenance.options_hash (what makes two runs one tile set), or nullptr when it has none.
const core::Json* options_hash_of(const core::Json& header);
// `options` (a header's "options") with its creation_options as canonical_creation_options makes them: an older
// swath recorded them as given (order, key case).
core::Json with_canonical_creation_options(const core::Json& options);
// Whether two manifest headers were made with the same options: the same options hash, or the same options once
// their creation options are canonical (what an older swath hashed as given is still this run's tile set).
bool same_options(const core::Json& header, const core::Json& other);

// A web-map tile (`swath tile --grid xyz`): its line names z/x/y instead of a scene's grid cell.
struct XyzTile {
  int z = 0;
  std::int64_t x = 0;
  std::int64_t y = 0;
};

struct TileRecord {
  std::string id;     // "scene/r000001_c000002"
  std::string scene;  // the scene's directory name
  std::string path;   // relative to the output directory; "" unless written
  TileStatus status = TileStatus::written;
  GridWindow cell;
  std::optional<core::Bounds> bounds;        // scene CRS
  std::optional<core::Bounds> bounds_wgs84;  // longitude/latitude
  std::uint64_t bytes = 0;
  std::string sha256;
  std::string error;           // failed only
  std::optional<XyzTile> xyz;  // web-map tiles: `cell` and `scene` are unused
};

// The GeoJSON feature of a tile with a footprint (its bounds in WGS84): the index's line.
core::Json feature_json(const TileRecord& record);

core::Json to_json(const TileRecord& record);
// Reads back what to_json(TileRecord) wrote (the fields resume needs); nullopt for a line that is not a tile record.
// ManifestLine::record() is how readers call it.
std::optional<TileRecord> parse_record(const core::Json& line);

// A scene's entry in a manifest header, as every grid writes it: name, source (the path as given, relative ones to
// the run's directory, so `swath enqueue --kind tile` can find the scene of a line, which names it by `name` only),
// size, bands, type, georeferenced. Each grid appends its own fields.
core::Json scene_header_json(const std::string& name, const std::string& source, const raster::SceneInfo& info);

// "z/x/y.png": a web-map tile's path relative to the output directory.
std::string xyz_relative_path(const XyzTile& tile, Format format);
// "Z/X/Y": a web-map tile's name (its id in the manifest), and its path without the extension.
std::string xyz_name(const XyzTile& tile);

// The journal of a run in progress, next to the manifest: ".tiles.jsonl.journal".
std::string journal_path(const std::string& output_dir, const std::string& manifest_name);

// Throws UsageError when `output_dir`/`manifest_name` exists and is not a swath tile manifest (it does not start with
// a swath.tiles header; an empty file passes): a user's file of that name, or a scene named so. A run would retire it
// into its journal and remove it with it. Looked at before anything is written.
void refuse_foreign_manifest(const std::string& output_dir, const std::string& manifest_name);

// Writes the manifest, the index and the journal as tiles arrive from the in-order sink. Memory stays
// constant: lines go straight to temporary files, renamed into place by commit(). A manifest of its name a previous
// run committed goes before the first tile (its index too): this run replaces the tiles it lists, and a run stopped
// half-way must not leave it listing them; its records move into the journal first, so a later --resume still keeps
// them and --overwrite still finds their tiles. A destroyed writer removes its temporaries but keeps the journal (that
// is what --resume reads). The journal stays locked while the writer lives, committed or not, so that other runs know
// this one live until it has done what follows its commit (replacing another run's tiles); a committed writer removes
// it when destroyed. The directory says what the manifest says: a tile recorded failed or blank has no file, so one an
// earlier run wrote at its path (tiles of `tile_format`) is removed before its line is written.
class ManifestWriter {
 public:
  ManifestWriter(const std::string& output_dir, const std::string& manifest_name, const std::string& index_name,
                 const core::Json& header, bool append_journal, Format tile_format);
  ~ManifestWriter();
  ManifestWriter(const ManifestWriter&) = delete;
  ManifestWriter& operator=(const ManifestWriter&) = delete;

  void add(const TileRecord& record);
  void commit();  // manifest and index under their final names (the journal goes with the writer)

  const std::string& manifest_path() const { return manifest_path_; }
  const std::string& index_path() const { return index_path_; }

 private:
  class File;
  void retire_committed_manifest();
  void remove_unwritten_tile(const TileRecord& record) const;
  std::string output_dir_;
  Format tile_format_;
  std::string manifest_path_;
  std::string index_path_;
  std::string journal_path_;
  core::StagedFiles staged_;  // declared before the files: outlives their descriptors
  std::unique_ptr<File> manifest_;
  std::unique_ptr<File> index_;
  std::unique_ptr<File> journal_;
  bool first_feature_ = true;
  bool committed_ = false;
};

}  // namespace swath::tiling
