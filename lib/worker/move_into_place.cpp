// Moving a committed task's files from its staging directory into place, and clearing staging: what any worker
// may do for a commit, its own or one a dead worker left (Settler::finish_orphans).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "log/logger.hpp"
#include "raster/fingerprint.hpp"
#include "worker/settle.hpp"

namespace swath::worker {

namespace fs = std::filesystem;

void check_output_name(const std::string& name) {
  // Relative, inside the staging directory, and never a hidden name (temporaries and .swath-staging are).
  bool ok = !name.empty() && name.front() != '/' && name.back() != '/';
  for (std::size_t start = 0; ok && start <= name.size();) {
    const auto slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    ok = !part.empty() && part[0] != '.';
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!ok) {
    throw core::DataError("handler output '" + name + "'",
                          "outputs must be relative paths in the staging directory, without '..' or hidden parts");
  }
}

namespace {

// The guard's identity while it is the commit's own: its inode, once its bytes were found to be the commit's.
std::optional<std::pair<dev_t, ino_t>> own_guard(const std::string& dir, const EarlierFiles& earlier) {
  if (earlier.guard.empty()) return std::nullopt;
  const std::string path = dir + "/" + earlier.guard;
  struct stat before {};
  if (::stat(path.c_str(), &before) != 0) return std::nullopt;
  try {
    if (raster::sha256_file_hex(path) != earlier.guard_sha256) return std::nullopt;
  } catch (const core::IoError&) {
    return std::nullopt;
  }
  return std::make_pair(before.st_dev, before.st_ino);
}

bool still_own(const std::string& dir, const EarlierFiles& earlier, const std::pair<dev_t, ino_t>& own) {
  struct stat now {};
  return ::stat((dir + "/" + earlier.guard).c_str(), &now) == 0 && now.st_dev == own.first && now.st_ino == own.second;
}

// Thrown by remove_earlier_files' check: the commit is no longer this one's, nothing more is removed.
struct LeftToOthers {};

// A file set aside to be removed: its place and the name it was renamed to beside it.
struct SetAside {
  std::string path, aside;
};

// The batch's files back in place, each only where nothing took its place meanwhile (link fails on an existing
// name): a later run's file written there stands; the earlier one is dropped.
void put_back(const std::vector<SetAside>& batch) {
  for (const auto& f : batch) {
    if (::link(f.aside.c_str(), f.path.c_str()) != 0 && errno != EEXIST) {
      const int err = errno;
      log::get("worker")->warn("cannot put '{}' back from '{}': {}", f.path, f.aside, std::strerror(err));
      continue;  // left under its aside name (a temporary's, which a later swath tile sweeps)
    }
    ::unlink(f.aside.c_str());
  }
}

// The earlier run's files this commit no longer lists (earlier.files, each still of its recorded size), removed in
// batches of up to 1,000: each file is first renamed aside (a hidden name beside it), then the commit is checked to
// be still this one's (its guard manifest in place, and Redis still holding it as finishing), and only then are the
// renamed files removed. A worker stalled anywhere in between (SIGSTOP, a slow unlink on NFS) removes nothing a
// later run wrote since: a file it moved aside after that run wrote it is put back once the check fails.
void remove_earlier_files(const std::string& dir, const EarlierFiles& earlier, const std::pair<dev_t, ino_t>& own,
                          const std::set<std::string>& moved, std::set<std::string>& dirs) {
  std::vector<SetAside> batch;
  const auto settle = [&] {
    if (batch.empty()) return;
    bool still = false;
    try {
      still = still_own(dir, earlier, own) && (!earlier.still_finishing || earlier.still_finishing());
    } catch (...) {  // Redis unreachable: undecided, so every file goes back and the move is tried again
      put_back(batch);
      batch.clear();
      throw;
    }
    if (!still) {
      log::get("worker")->info("the earlier run's files are left: this commit's move was finished by another worker");
      put_back(batch);
      batch.clear();
      throw LeftToOthers{};
    }
    std::string failure;
    for (const auto& f : batch) {
      if (::unlink(f.aside.c_str()) != 0 && errno != ENOENT && failure.empty()) failure = std::strerror(errno);
      dirs.insert(fs::path(f.path).parent_path().string());
    }
    batch.clear();
    if (!failure.empty()) {
      throw core::IoError("cannot remove a file of the task's earlier run in '" + dir + "'", failure,
                          "check the output's permissions; the move is tried again");
    }
  };
  try {
    for (const auto& [name, bytes] : earlier.files) {
      check_output_name(name);
      const std::string path = dir + "/" + name;
      std::error_code ec;
      if (moved.count(name) > 0 || !fs::is_regular_file(fs::symlink_status(path, ec)) ||
          fs::file_size(path, ec) != bytes || ec)
        continue;
      // A temporary's name: unique per host, process and call (a pod's pid is often 1), hidden, and swept as a killed
      // run's temporary by a later `swath tile` there.
      const std::string aside = core::temporary_path_for(path);
      if (::rename(path.c_str(), aside.c_str()) != 0) {
        const int err = errno;
        if (err == ENOENT) continue;  // gone meanwhile
        put_back(batch);
        throw core::IoError("cannot remove '" + path + "'",
                            std::string(std::strerror(err)) +
                                " (a file of the task's earlier run that it did not write again: a tile now blank, "
                                "or off a smaller scene)",
                            "check the output's permissions; the move is tried again");
      }
      batch.push_back({path, aside});
      if (batch.size() == 1000) settle();
    }
    settle();
  } catch (const LeftToOthers&) {}
}

}  // namespace

void move_into_place(const std::string& staging, const std::string& dir, const std::vector<std::string>& names,
                     const EarlierFiles& earlier) {
  // A tile task commits thousands of files: their file system written back at once, so each file's fsync (which
  // reports its own errors) has nothing left to write (2,000 files of 50 kB: 0.17-0.25 s, against 0.26-0.32 s
  // of fsyncs alone; a 2,209-tile PNG task: 6.3-6.5 s against 5.8-5.9 s for `swath tile`, was 8.0 against 6.5).
  if (names.size() > 1) core::write_back_file_system(staging);
  // Whether a path is there; an error (no permission on the way) is the move's failure, named, not a crash of the
  // worker (fs::exists throws its own type, which no caller catches).
  const auto present = [](const std::string& path) {
    std::error_code ec;
    const bool there = fs::exists(path, ec);
    if (ec) throw core::IoError("cannot look at '" + path + "'", ec.message(), "check the output's permissions");
    return there;
  };
  // Every destination looked at before the first rename: one that cannot take its file (a directory there, a file
  // where a directory goes, no permission) fails the move with nothing moved, so a move that dies leaves all its
  // files in staging, as its reason says, and none in place listed by nothing.
  std::set<std::string> ready;
  for (const auto& name : names) {
    check_output_name(name);  // the names come back from Redis when another worker finishes the move
    const std::string to = dir + "/" + name;
    const std::string parent = fs::path(to).parent_path().string();
    if (ready.insert(parent).second) core::ensure_writable_directory(parent);  // once per directory, not per file
    std::error_code ec;
    if (fs::symlink_status(to, ec).type() == fs::file_type::directory && present(staging + "/" + name))
      throw core::IoError("cannot write '" + to + "'", "a directory has that name",
                          "remove or rename that directory, then `swath queue dead retry` the task");
    if (const auto problem = core::unreplaceable_problem(to); !problem.empty())
      throw core::IoError("cannot write '" + to + "'", problem, "remove it, then `swath queue dead retry` the task");
  }
  std::set<std::string> dirs;   // the directories renamed into: synced before the move is reported done
  std::set<std::string> above;  // their parents up to the output's
  for (const auto& name : names) {
    const std::string from = staging + "/" + name;
    const std::string to = dir + "/" + name;
    const std::string parent = fs::path(to).parent_path().string();
    try {
      if (present(from)) core::commit_file(from, to);
    } catch (const core::IoError&) {
      // Another worker finishing the same orphaned commit moved it first.
      if (present(from) || !present(to)) throw;
    }
    if (std::error_code ec; !fs::is_regular_file(to, ec)) {  // a directory there is no file moved
      throw core::IoError("committed output '" + to + "' is missing", "its staged file '" + from + "' is gone too",
                          "run the task again with `swath enqueue --force`");
    }
    dirs.insert(parent);
    // Those made for it up to the output's parent (a new directory's entry is in its parent): best effort, as a
    // directory above the output may be one the worker cannot open. Every one, not only those this call made: a
    // worker finishing an orphaned move finds the dead one's directories made but maybe never synced.
    for (fs::path up = fs::path(parent).parent_path(); !up.empty(); up = up.parent_path()) {
      if (!above.insert(up.string()).second || up == fs::path(dir).parent_path() || up == up.parent_path()) break;
    }
  }
  // After the moves: the task's new manifest, now in place, no longer lists them. Not when a later run's manifest
  // is there instead (this worker stalled past its hold; another finished the move, then the task ran again), nor
  // after it replaces this one mid-way: the renamed manifest is a new inode.
  const std::set<std::string> moved(names.begin(), names.end());
  const auto own = earlier.files.empty() ? std::nullopt : own_guard(dir, earlier);
  if (!earlier.files.empty() && !own) {
    log::get("worker")->info(
        "the earlier run's {} file(s) are left: '{}' in place is not this commit's (a later run's)",
        earlier.files.size(), earlier.guard);
  }
  if (own) remove_earlier_files(dir, earlier, *own, moved, dirs);
  // Redis is told the files are in place only once their renames are on disk: a host crash after `finished` would
  // otherwise lose them with nothing left to move them again.
  for (const auto& d : dirs) core::sync_directory(d);
  for (const auto& d : above) {
    if (dirs.count(d) == 0) core::sync_directory_if_possible(d);
  }
  discard_staging(staging);
  discard_stale_attempts(staging);
}

namespace {

// The fence's count a token starts with ("12-5f3a9c01" → 12), or nothing.
std::optional<std::int64_t> fence_count(std::string_view token) {
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), count);
  if (error != std::errc() || end == token.data() || (end != token.data() + token.size() && *end != '-'))
    return std::nullopt;
  return count;
}

}  // namespace

void discard_stale_attempts(const std::string& staging) {
  // <id>.<token>: attempts of the same task under older leases (killed or too slow) can never commit now. Not a
  // later one: a worker that stalled past its hold reaches here after the task was run again (enqueue --force), and
  // that attempt's staging is live (its files, or its commit's, still to move).
  if (staging.empty()) return;
  const fs::path path(staging);
  const std::string name = path.filename().string();
  const std::string prefix = name.substr(0, name.rfind('.') + 1);
  const auto own = fence_count(std::string_view(name).substr(prefix.size()));
  if (!own) return;
  std::error_code ec;
  for (auto it = fs::directory_iterator(path.parent_path(), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string other = it->path().filename().string();
    if (other.rfind(prefix, 0) != 0) continue;
    const auto count = fence_count(std::string_view(other).substr(prefix.size()));
    if (count && *count < *own) discard_staging(it->path().string());
  }
}

void discard_staging(const std::string& staging) {
  if (staging.empty()) return;
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::remove(fs::path(staging).parent_path(), ec);  // .swath-staging, when no other attempt uses it
}

}  // namespace swath::worker
