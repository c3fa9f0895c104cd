// ArchiveWriter: tiles added in any order become one PMTiles v3 archive, deduplicated, clustered, written atomically.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "pmtiles/blob_index.hpp"
#include "pmtiles/format.hpp"

namespace swath::pmtiles {

class TempFile;

// WebMercator's extent in degrees: the bounds of an archive that names none.
inline constexpr double web_mercator_max_lat = 85.05112877980659;

struct Bounds {
  double min_lon = -180.0, min_lat = -web_mercator_max_lat, max_lon = 180.0, max_lat = web_mercator_max_lat;
};

struct Center {
  double lon = 0.0, lat = 0.0;
  int zoom = 0;
};

// What the header and the metadata say besides the tiles; the zoom range always comes from the tiles added.
struct ArchiveInfo {
  TileType tile_type = TileType::unknown;
  Compression tile_compression = Compression::none;  // how the tile bytes themselves are compressed
  core::Json metadata = core::Json::object();  // a JSON object; TileJSON keys (name, attribution...) by convention
  std::optional<Bounds> bounds;                // default: the whole WebMercator world
  std::optional<Center> center;                // default: the middle of the bounds at the lowest zoom
};

struct ArchiveSummary {
  std::string path;
  std::uint64_t addressed_tiles = 0;  // tiles added
  std::uint64_t tile_entries = 0;     // directory entries after run-length encoding
  std::uint64_t tile_contents = 0;    // distinct tile blobs stored
  std::uint64_t bytes = 0;            // archive size
  std::size_t leaf_directories = 0;
  int min_zoom = 0, max_zoom = 0;
};

// `swath.pmtiles/1`: the summary as --json would print it.
core::Json to_json(const ArchiveSummary& summary);

// Not thread-safe: call add() from one thread (a pipeline's in-order sink). Memory holds 16 bytes per tile and about
// 60 per distinct tile (its hash, where its bytes are); the tile bytes go to a spool file beside the output
// (`.NAME.tmp-*`, removed at the end, or by core::remove_stale_temporaries after a kill). The archive's bytes depend
// only on the set of tiles and the info, never on the order of add() calls.
class ArchiveWriter {
 public:
  // Throws IoError when the spool cannot be created beside `path`.
  explicit ArchiveWriter(std::string path);
  ~ArchiveWriter();  // before finish() succeeds: removes every temporary; nothing appears under `path`
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;

  // Throws DataError for an invalid z/x/y or empty bytes, IoError when the spool cannot be written (the writer is
  // spent then: later calls throw).
  void add(int z, std::uint32_t x, std::uint32_t y, std::string_view bytes);
  std::size_t tiles() const { return tiles_.size(); }

  // Writes the archive under a temporary name, fsyncs it and renames it to `path`. Throws DataError when no tile
  // was added, a z/x/y was added twice or the metadata is not an object; IoError when a write fails; Interrupted
  // on a cancel request. The writer is spent afterwards, whatever the outcome.
  ArchiveSummary finish(const ArchiveInfo& info);

 private:
  struct Content {
    std::uint64_t spool_offset;
    std::uint32_t length;
  };
  struct Tile {
    std::uint64_t tile_id;
    std::uint32_t content;
  };

  std::string path_;
  std::unique_ptr<TempFile> spool_;
  std::vector<Tile> tiles_;
  std::vector<Content> contents_;
  BlobIndex blobs_;  // numbers the entries of contents_
};

}  // namespace swath::pmtiles
