// ManifestWriter: the journal, the manifest and its index, written as tiles arrive and committed together.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <thread>
#include <utility>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "tiling/manifest.hpp"
#include "tiling/plan.hpp"

namespace swath::tiling {

namespace fs = std::filesystem;

namespace {

// Whether the journal at `path` starts with a header of the options `header` has (its options hash): a run of the
// same options stopped there. Read before the lock: a live run is refused when the lock is taken.
bool journal_of_same_options(const std::string& path, const core::Json& header) {
  std::ifstream in(path, std::ios::binary);
  std::string first;
  if (!in || !std::getline(in, first)) return false;
  try {
    return same_options(core::Json::parse(first), header);
  } catch (const core::Error&) {
    return false;  // not a header: nothing of a run to keep
  }
}

}  // namespace

void refuse_foreign_manifest(const std::string& output_dir, const std::string& manifest_name) {
  static constexpr std::string_view header = R"({"schema":"swath.tiles/)";
  const std::string path = output_dir + "/" + manifest_name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO there does not block
  if (fd < 0) return;  // none; one that cannot be read is said so where it is retired
  std::string head(header.size(), '\0');
  ssize_t n = 0;
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular) {
    do n = ::pread(fd, head.data(), head.size(), 0);
    while (n < 0 && errno == EINTR);
  }
  ::close(fd);
  if (regular && (n == 0 || (n == static_cast<ssize_t>(header.size()) && head == header))) return;
  throw core::UsageError(
      "output '" + output_dir + "'",
      "'" + path + "' is not a swath tile manifest (no swath.tiles header), and this run would " + "replace it",
      "move that file out of the way, or choose another -o");
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
