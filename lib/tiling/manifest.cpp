// Manifest lines, GeoJSON features and the append-only files they go to.
#include "tiling/manifest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gdal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>

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

core::Json feature_json(const TileRecord& r) {
  return core::Json::Object{
      {"type", "Feature"},
      {"properties",
       r.xyz ? core::Json::Object{{"id", r.id}, {"path", r.path}, {"z", r.xyz->z}, {"x", r.xyz->x}, {"y", r.xyz->y}}
             : core::Json::Object{{"id", r.id}, {"path", r.path}, {"row", r.cell.row}, {"col", r.cell.col}}},
      {"geometry", footprint_geometry(*r.bounds_wgs84)}};
}

// Whether the journal at `path` starts with a header of the options `header` has (its options hash): a run of the
// same options stopped there. Read before the lock: a live run is refused when the lock is taken.
bool journal_of_same_options(const std::string& path, const core::Json& header) {
  std::ifstream in(path, std::ios::binary);
  std::string first;
  if (!in || !std::getline(in, first)) return false;
  try {
    const auto journal = core::Json::parse(first);
    const auto* theirs = journal.find("provenance");
    const auto* ours = header.find("provenance");
    const auto* their_hash = theirs != nullptr ? theirs->find("options_hash") : nullptr;
    const auto* our_hash = ours != nullptr ? ours->find("options_hash") : nullptr;
    return their_hash != nullptr && our_hash != nullptr && *their_hash == *our_hash;
  } catch (const core::Error&) {
    return false;  // not a header: nothing of a run to keep
  }
}

}  // namespace

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

// An append-only file descriptor that throws IoError naming the final file it stands for.
class ManifestWriter::File {
 public:
  File(std::string path, std::string names, bool append) : path_(std::move(path)), names_(std::move(names)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
    if (fd_ < 0) fail(errno);
  }
  // A journal: locked while this run writes it (another run finding it locked knows it live), then emptied unless
  // appended to. Refused when a live run holds it: both would write one manifest, and the last to commit would list
  // only its own scenes' tiles.
  File(std::string path, std::string names, bool append, const std::string& output_dir)
      : path_(std::move(path)), names_(std::move(names)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : 0), 0644);
    if (fd_ < 0) fail(errno);
    // Retried a little: another run's probe (core::locked_by_another) holds a shared lock for an instant.
    for (int tries = 0; ::flock(fd_, LOCK_EX | LOCK_NB) != 0; ++tries) {
      if (errno != EWOULDBLOCK) break;  // no flock here (some network file systems): unguarded, as before
      if (tries == 50) {
        ::close(std::exchange(fd_, -1));
        throw core::UsageError("output '" + output_dir + "'",
                               "another run is writing " + fs::path(names_).filename().string() + " there now",
                               "wait for it to finish, or choose another -o");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!append && ::ftruncate(fd_, 0) != 0) {
      const int err = errno;
      ::close(std::exchange(fd_, -1));
      fail(err);
    }
  }
  ~File() {
    if (fd_ >= 0) ::close(fd_);  // only on failure paths: commit() closes and checks
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // Ends a last line a kill left unfinished, so that what is appended starts a line of its own.
  void end_line() {
    const off_t size = ::lseek(fd_, 0, SEEK_END);
    char last = '\n';
    if (size > 0 && ::pread(fd_, &last, 1, size - 1) == 1 && last != '\n') write("\n");
  }
  void write(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(errno);
      done += static_cast<std::size_t>(n);
    }
  }
  // Closes once; a failure (a write the file system refused late) is thrown the first time only.
  void close() {
    const int fd = std::exchange(fd_, -1);
    if (fd >= 0 && ::close(fd) != 0) fail(errno);
  }

 private:
  [[noreturn]] void fail(int err) {
    throw core::IoError("cannot write '" + names_ + "'", std::strerror(err),
                        err == ENOSPC ? "free space on the device or write elsewhere" : "check the output directory");
  }
  std::string path_;
  std::string names_;
  int fd_ = -1;
};

ManifestWriter::ManifestWriter(const std::string& output_dir, const std::string& manifest_name,
                               const std::string& index_name, const core::Json& header, bool append_journal,
                               Format tile_format)
    : output_dir_(output_dir),
      tile_format_(tile_format),
      manifest_path_(output_dir + "/" + manifest_name),
      index_path_(output_dir + "/" + index_name),
      journal_path_(journal_path(output_dir, manifest_name)) {
  // A journal a stopped run of these options left is kept, --resume or not: it may be the only list of the tiles of
  // a manifest that run retired (below), which a later --resume or --overwrite still needs.
  const bool append = append_journal || journal_of_same_options(journal_path_, header);
  journal_ = std::make_unique<File>(journal_path_, manifest_path_, append, output_dir);
  journal_->end_line();  // a line a kill cut short is not glued to the next header
  retire_committed_manifest();
  // Staged in commit order: the index first, the manifest (what readers and --resume trust) last.
  index_ = std::make_unique<File>(staged_.add(index_path_), index_path_, false);
  manifest_ = std::make_unique<File>(staged_.add(manifest_path_), manifest_path_, false);
  const std::string header_line = header.dump() + "\n";
  journal_->write(header_line);
  manifest_->write(header_line);
  index_->write(R"({"type":"FeatureCollection","features":[)");
}

// Under the journal's lock: a live run of this manifest is refused before anything of its is touched. The records
// go to the journal, after any a killed run left there (a copy a full disk cut short, or an older swath's newer
// records: either way valid records of this directory), so that --resume keeps them and --overwrite still finds
// the tiles they list; only then does the manifest go.
void ManifestWriter::retire_committed_manifest() {
  const int fd = ::open(manifest_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    const int err = errno;
    throw core::IoError("cannot read '" + manifest_path_ + "'", std::strerror(err),
                        "this run replaces the tiles it lists: check its permissions");
  }
  std::string chunk(std::size_t{1} << 20, '\0');
  for (;;) {
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw core::IoError("cannot read '" + manifest_path_ + "'", std::strerror(err),
                          "this run replaces the tiles it lists: check the file");
    }
    if (n == 0) break;
    journal_->write(chunk.substr(0, static_cast<std::size_t>(n)));
  }
  ::close(fd);
  for (const auto& path : {manifest_path_, index_path_})
    core::remove_file_if_present(path, "this run replaces what it lists: check the output directory's permissions");
}

ManifestWriter::~ManifestWriter() {
  if (committed_) ::unlink(journal_path_.c_str());  // before its lock goes with the close
  try {
    manifest_->close();
    index_->close();
    journal_->close();
  } catch (const core::Error&) {
    // Already failing; staged_ removes the temporaries that were not committed.
  }
}

void ManifestWriter::remove_unwritten_tile(const TileRecord& record) const {
  const std::string path = output_dir_ + "/" +
                           (record.xyz ? xyz_relative_path(*record.xyz, tile_format_)
                                       : tile_relative_path(record.scene, record.cell, tile_format_));
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return;
  const int err = errno;
  throw core::IoError(
      "cannot remove '" + path + "'", std::strerror(err),
      "an earlier run's tile there would contradict the manifest, which records it " + status_name(record.status));
}

void ManifestWriter::add(const TileRecord& record) {
  // Before the line: a kill in between leaves a line for a file that is gone, which --resume redoes anyway.
  if (record.status != TileStatus::written) remove_unwritten_tile(record);
  const std::string line = to_json(record).dump() + "\n";
  journal_->write(line);
  manifest_->write(line);
  if (record.status == TileStatus::written && record.bounds_wgs84) {
    // GeoJSON is UTF-8 (RFC 8259): a tile path of a scene named in Latin-1 gets U+FFFD here, not in the manifest.
    index_->write((first_feature_ ? "\n" : ",\n") + core::valid_utf8(feature_json(record).dump()));
    first_feature_ = false;
  }
}

void ManifestWriter::commit() {
  index_->write("\n]}\n");
  manifest_->close();
  index_->close();
  staged_.commit();
  committed_ = true;
}

}  // namespace swath::tiling
