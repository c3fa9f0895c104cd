// Atomic file output: write under a temporary name in the same directory, fsync, rename.
// A killed process leaves at most a `.tmp-` file, never a partial file under the final name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swath::core {

// The temporary name for `final_path`, unique per host, process and call: `<dir>/.<name>.tmp-<pid>-<n>-<host>`.
std::string temporary_path_for(const std::string& final_path);

// How hard an atomic write works to survive a power cut, beyond surviving a killed process.
enum class Durability {
  fsync,        // fsync before the rename: the file survives a crash of the machine
  rename_only,  // no fsync: a killed process still never leaves a partial file under the final name; for
                // many small files whose hashes are checked later (tiles), where fsync per file costs most of the run
  uncached      // rename_only, and a `content` at a direct_io_alignment boundary is written around the page
                // cache (O_DIRECT) where the file system allows it: for output nothing reads back soon
                // (tiles), which then costs no copy into the cache; other content goes through it
};

// The alignment of O_DIRECT buffers, offsets and sizes that every Linux device accepts.
inline constexpr std::size_t direct_io_alignment = 4096;

// Writes `content` to `path` atomically; throws IoError naming the path and the OS reason.
void write_file_atomic(const std::string& path, std::string_view content, Durability durability = Durability::fsync);

// Renames `from` over `to` after fsync-ing `from`; throws IoError.
void commit_file(const std::string& from, const std::string& to);

// fsyncs a directory, so the renames into it so far survive a host crash; throws IoError naming it.
void sync_directory(const std::string& dir);
// The same, saying nothing when it cannot (a directory the process may not open).
void sync_directory_if_possible(const std::string& dir) noexcept;

// Writes back the whole file system holding `path` (syncfs), so that fsyncs of many files there that follow find
// nothing left to write: one journal commit and device flush for all, not one per file. Reports nothing: syncfs
// reports any file's write error on that file system (another task's), and none before Linux 5.8; each file's
// own fsync reports its own.
void write_back_file_system(const std::string& path) noexcept;

// Several output files that appear under their final names together or not at all: each is written under
// a temporary name first, commit() renames them into place in the order they were added (put the file
// whose presence means "done" last). Destroyed before commit() (an error, an interruption), it removes the
// temporaries, so a stopped run leaves neither a partial output nor a stray temporary.
class StagedFiles {
 public:
  StagedFiles() = default;
  ~StagedFiles();
  StagedFiles(const StagedFiles&) = delete;
  StagedFiles& operator=(const StagedFiles&) = delete;

  // A temporary path for `final_path`, with `suffix` appended (drivers that choose by extension), for the
  // caller to write; commit() moves it into place.
  std::string add(const std::string& final_path, const std::string& suffix = "");
  // Writes `content` to a new temporary for `final_path`; throws IoError naming `final_path`.
  void write(const std::string& final_path, std::string_view content);
  // fsyncs and renames every file in order; throws IoError (files renamed before the failure stay).
  void commit();
  std::size_t size() const { return files_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> files_;  // temporary, final
};

// Why a file cannot be created at `path` because of its parent directory ("the directory 'a' does not exist",
// "'a' is not a directory", "'a' cannot be looked up: ...", "the directory 'a' is not writable here: ..."); empty
// when the parent (the working directory for a bare name) is a directory this process may write into. For refusing
// an output path before the work, not after it.
std::string parent_directory_problem(const std::string& path);

// Why the entry at `path` cannot be replaced by an output file: "'p' is a character device, not a regular file"
// (renaming over /dev/null would replace the device with a file), a FIFO, a socket; empty when nothing is there, a
// regular file, a symbolic link to one (the link is replaced, not what it points to) or a directory (the rename says
// so). A link to a device (/dev/stdout) is refused like the device.
std::string unreplaceable_problem(const std::string& path);
// Throws UsageError naming `path` when unreplaceable_problem finds one: the last guard before a rename.
void refuse_unreplaceable(const std::string& path);

// Whether writing `output` (renamed into place) would replace the file read as `input`: the same directory entry,
// or the file `input` leads to through links. "-" (stdout) and empty paths write over nothing.
bool writes_over(const std::string& output, const std::string& input);
// Throws UsageError naming `flag` and `output` when it writes over one of `inputs`: refused before any work.
void refuse_output_is_input(const std::string& flag, const std::string& output, const std::vector<std::string>& inputs);

// Creates `dir` and its parents; throws IoError when it cannot, or when `dir` is not writable.
void ensure_writable_directory(const std::string& dir);

// An exclusive flock(2) on a directory, held while it lives: runs into one output directory take it while they look
// at what is there and put their own journal down, so two runs started at once cannot both find the directory
// free. Creates the directory first (ensure_writable_directory). Blocks until the lock is free.
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

// Whether another open file of this host holds a flock(2) on `path`: a live run's journal (tiling::ManifestWriter
// locks its own while it writes). False when `path` cannot be opened or the file system has no flock.
bool locked_by_another(const std::string& path);

// Removes `.NAME.tmp-PID-N-HOST` files in `dir` (not recursive) left by processes of this host that no longer
// run, e.g. a killed earlier run; temporaries of live processes and of other hosts (pods sharing the volume,
// whose pids mean nothing here) are left alone.
// With `only_for`, only the temporaries of `<dir>/<only_for>` (e.g. one output file in a shared directory).
void remove_stale_temporaries(const std::string& dir, const std::string& only_for = "");

// The hint of an IoError for a write that failed with errno `err` (permissions, space, read-only...); empty when
// there is none to give.
std::string write_error_hint(int err);

// Removes `path` if it is there; throws IoError naming it, with `hint`, when it is there and cannot be removed.
void remove_file_if_present(const std::string& path, const std::string& hint);

// Reads a whole file; throws IoError naming the path.
std::string read_file(const std::string& path);

// GDAL virtual paths (/vsicurl/, /vsis3/, /vsizip/...): not on the local file system.
bool is_vsi_path(const std::string& path);
// One spelling of a local path, so the same file named differently is the same work (and work run elsewhere,
// where a relative path means nothing, finds it): absolute, lexically normal, no trailing slash, symlinks
// resolved (but a symlink to a file, not a directory, of another name keeps its own name); a virtual path as it is.
std::string resolved_path(const std::string& path);

}  // namespace swath::core
