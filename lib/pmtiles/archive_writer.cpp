// ArchiveWriter: spools distinct tile blobs, then lays out header, root directory, metadata, leaf directories and
// the tile data in tile id order (clustered), run-length encoding consecutive tiles with the same blob.
#include "pmtiles/archive_writer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/cancel.hpp"
#include "core/errors.hpp"
#include "core/sha256.hpp"
#include "pmtiles/gzip.hpp"
#include "pmtiles/temp_file.hpp"
#include "pmtiles/tile_id.hpp"

namespace swath::pmtiles {

namespace {

std::int32_t e7(double degrees) { return static_cast<std::int32_t>(std::lround(degrees * 1e7)); }

// Longitudes within ±180 and latitudes within ±90 (so that degrees × 10^7 fits the header's int32).
void check_degrees(const std::string& what, double lon, double lat) {
  if (!(std::fabs(lon) <= 180.0 && std::fabs(lat) <= 90.0)) {
    throw core::DataError(
        what, "longitude " + std::to_string(lon) + ", latitude " + std::to_string(lat) + " outside ±180, ±90",
        "give WGS84 degrees");
  }
}

}  // namespace

core::Json to_json(const ArchiveSummary& s) {
  core::Json out = core::Json::object();
  out.set("schema", "swath.pmtiles/1");
  out.set("path", s.path);
  out.set("addressed_tiles", s.addressed_tiles);
  out.set("tile_entries", s.tile_entries);
  out.set("tile_contents", s.tile_contents);
  out.set("bytes", s.bytes);
  out.set("leaf_directories", s.leaf_directories);
  out.set("min_zoom", s.min_zoom);
  out.set("max_zoom", s.max_zoom);
  return out;
}

ArchiveWriter::ArchiveWriter(std::string path)
    : path_(std::move(path)), spool_(std::make_unique<TempFile>(path_, "the tile spool of '" + path_ + "'")) {}

ArchiveWriter::~ArchiveWriter() = default;

void ArchiveWriter::add(int z, std::uint32_t x, std::uint32_t y, std::string_view bytes) {
  const std::uint64_t id = zxy_to_tile_id(z, x, y);
  if (spool_ == nullptr) throw core::DataError("archive '" + path_ + "'", "tile added after finish() or a failure");
  if (bytes.empty() || bytes.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw core::DataError(tile_name(tile_id_to_zxy(id)) + " for '" + path_ + "'",
                          bytes.empty() ? "no bytes" : "larger than 4 GiB");
  }
  core::Sha256 sha;
  sha.update(bytes);
  const auto [number, inserted] = blobs_.insert(sha.finish());
  if (inserted) {
    contents_.push_back({spool_->size(), static_cast<std::uint32_t>(bytes.size())});
    try {
      spool_->append(bytes);
    } catch (...) {
      spool_.reset();  // the spool no longer matches contents_: the writer is spent
      throw;
    }
  }
  tiles_.push_back({id, number});
}

ArchiveSummary ArchiveWriter::finish(const ArchiveInfo& info) {
  const std::unique_ptr<TempFile> spool = std::move(spool_);  // removed on every way out of here
  const std::string what = "archive '" + path_ + "'";
  if (spool == nullptr) throw core::DataError(what, "finish() after finish() or a failure");
  if (tiles_.empty()) throw core::DataError(what, "no tiles to write", "a PMTiles archive needs at least one tile");
  if (!info.metadata.is_object()) throw core::DataError(what + " metadata", "not a JSON object");
  spool->flush();
  blobs_.release();

  std::sort(tiles_.begin(), tiles_.end(), [](const Tile& a, const Tile& b) { return a.tile_id < b.tile_id; });
  // Blobs in order of first use along the tile ids: a duplicate points back, every new blob follows the last.
  constexpr std::uint64_t unplaced = std::numeric_limits<std::uint64_t>::max();
  std::vector<std::uint64_t> offset_of(contents_.size(), unplaced);
  std::vector<std::uint32_t> placement;
  placement.reserve(contents_.size());
  std::vector<Entry> entries;
  entries.reserve(tiles_.size());  // at most one each: no doubling past it
  std::uint64_t data_length = 0;
  for (std::size_t i = 0; i < tiles_.size(); ++i) {
    const Tile& t = tiles_[i];
    if (i > 0 && tiles_[i - 1].tile_id == t.tile_id)
      throw core::DataError(tile_name(tile_id_to_zxy(t.tile_id)), "added twice to " + what);
    const Content& c = contents_[t.content];
    if (offset_of[t.content] == unplaced) {
      offset_of[t.content] = data_length;
      data_length += c.length;
      placement.push_back(t.content);
    }
    const std::uint64_t offset = offset_of[t.content];
    Entry* last = entries.empty() ? nullptr : &entries.back();
    if (last != nullptr && last->offset == offset && last->tile_id + last->run_length == t.tile_id &&
        last->run_length < std::numeric_limits<std::uint32_t>::max()) {
      ++last->run_length;
    } else {
      entries.push_back({t.tile_id, offset, c.length, 1});
    }
  }

  const std::uint64_t addressed_tiles = tiles_.size();
  const int min_zoom = tile_id_to_zxy(tiles_.front().tile_id).z;
  const int max_zoom = tile_id_to_zxy(tiles_.back().tile_id).z;
  // Memory peaks here: give back what the directories no longer need (swap: `= {}` would keep the capacity).
  std::vector<Tile>().swap(tiles_);
  std::vector<std::uint64_t>().swap(offset_of);

  const Directories dirs = build_directories(entries);
  const std::string metadata = gzip_compress(info.metadata.dump());
  const Bounds bounds = info.bounds.value_or(Bounds{});
  check_degrees(what + " bounds", bounds.min_lon, bounds.min_lat);
  check_degrees(what + " bounds", bounds.max_lon, bounds.max_lat);
  const Center center = info.center.value_or(
      Center{(bounds.min_lon + bounds.max_lon) / 2, (bounds.min_lat + bounds.max_lat) / 2, min_zoom});

  check_degrees(what + " center", center.lon, center.lat);

  Header h;
  h.root_offset = header_bytes;
  h.root_length = dirs.root.size();
  h.metadata_offset = h.root_offset + h.root_length;
  h.metadata_length = metadata.size();
  h.leaf_offset = h.metadata_offset + h.metadata_length;
  h.leaf_length = dirs.leaves.size();
  h.tile_data_offset = h.leaf_offset + h.leaf_length;
  h.tile_data_length = data_length;
  h.addressed_tiles = addressed_tiles;
  h.tile_entries = entries.size();
  h.tile_contents = placement.size();
  h.clustered = true;
  h.internal_compression = Compression::gzip;
  h.tile_compression = info.tile_compression;
  h.tile_type = info.tile_type;
  h.min_zoom = static_cast<std::uint8_t>(min_zoom);
  h.max_zoom = static_cast<std::uint8_t>(max_zoom);
  h.min_lon_e7 = e7(bounds.min_lon);
  h.min_lat_e7 = e7(bounds.min_lat);
  h.max_lon_e7 = e7(bounds.max_lon);
  h.max_lat_e7 = e7(bounds.max_lat);
  h.center_zoom = static_cast<std::uint8_t>(std::clamp(center.zoom, 0, deepest_zoom));
  h.center_lon_e7 = e7(center.lon);
  h.center_lat_e7 = e7(center.lat);

  TempFile out(path_, "'" + path_ + "'");
  out.append(serialize_header(h));
  out.append(dirs.root);
  out.append(metadata);
  out.append(dirs.leaves);
  std::string blob;
  for (std::size_t i = 0; i < placement.size(); ++i) {
    if (i % 4096 == 0 && core::cancel_requested()) throw core::Interrupted("writing " + what);
    const Content& c = contents_[placement[i]];
    spool->read_at(c.spool_offset, c.length, blob);
    out.append(blob);
  }
  out.commit();

  ArchiveSummary summary;
  summary.path = path_;
  summary.addressed_tiles = h.addressed_tiles;
  summary.tile_entries = h.tile_entries;
  summary.tile_contents = h.tile_contents;
  summary.bytes = h.tile_data_offset + h.tile_data_length;
  summary.leaf_directories = dirs.leaf_count;
  summary.min_zoom = min_zoom;
  summary.max_zoom = max_zoom;
  return summary;
}

}  // namespace swath::pmtiles
