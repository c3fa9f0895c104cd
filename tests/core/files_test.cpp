// Atomic writes: the final name appears whole or not at all; failures name the path and leave nothing.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "support/scratch.hpp"

namespace fs = std::filesystem;
using namespace swath;

TEST_CASE("files: atomic write replaces the file and leaves no temporary") {
  test::ScratchDir dir;
  const auto path = dir / "out.txt";
  core::write_file_atomic(path, "first");
  core::write_file_atomic(path, "second");
  CHECK(core::read_file(path) == "second");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("files: unwritable directory gives an IoError naming the path and nothing is written") {
  if (::geteuid() == 0) {
    // root ignores permission bits; a read-only bind is not available here, so use a path under a file.
    test::ScratchDir dir;
    test::write_text(dir / "a-file", "x");
    const auto path = dir / "a-file/out.txt";
    CHECK_THROWS_AS(core::write_file_atomic(path, "data"), core::IoError);
    CHECK_FALSE(fs::exists(path));
    return;
  }
  test::ScratchDir dir;
  fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
  try {
    core::write_file_atomic(dir / "out.txt", "data");
    FAIL("expected an IoError");
  } catch (const core::IoError& e) {
    CHECK(std::string(e.what()).find(dir / "out.txt") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir / "out.txt"));
}

TEST_CASE("files: an output whose directory this process may not write into is refused before the work") {
  test::ScratchDir dir;
  fs::create_directory(dir / "closed");
  fs::create_directory(dir / "open");
  fs::permissions(dir.path(), fs::perms::all & ~(fs::perms::group_write | fs::perms::others_write));
  fs::permissions(dir / "closed", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                      fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir / "open", fs::perms::all);
  const auto check = [&] {
    const auto closed = core::parent_directory_problem(dir / "closed/out.gpkg");
    const bool named = closed.find("'" + (dir / "closed") + "' is not writable here") != std::string::npos;
    return named && core::parent_directory_problem(dir / "open/out.gpkg").empty() &&
           core::parent_directory_problem(dir / "missing/out.gpkg").find("does not exist") != std::string::npos;
  };
  if (::geteuid() != 0) {
    CHECK(check());
    return;
  }
  // root writes anywhere but on read-only mounts: the check runs as nobody, in a child.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;
    ::_exit(dropped ? (check() ? 0 : 1) : 2);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("files: ensure_writable_directory creates parents and rejects a file") {
  test::ScratchDir dir;
  core::ensure_writable_directory(dir / "a/b/c");
  CHECK(fs::is_directory(dir / "a/b/c"));
  test::write_text(dir / "plain", "x");
  CHECK_THROWS_AS(core::ensure_writable_directory(dir / "plain"), core::IoError);
}

TEST_CASE("files: temporary names are hidden, unique and beside the target") {
  const auto a = core::temporary_path_for("/x/y/tile.tif");
  const auto b = core::temporary_path_for("/x/y/tile.tif");
  CHECK(a != b);
  CHECK(a.rfind("/x/y/.tile.tif.tmp-", 0) == 0);
}

TEST_CASE("files: stale temporaries of dead local processes go; those of other hosts and live processes stay") {
  test::ScratchDir dir;
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  const std::string dead_pid = "4194303";  // above any pid this test can meet (the kernel's pid_max limit)
  const std::string here = dir / (".a.tif.tmp-" + dead_pid + "-0-" + host);
  const std::string legacy = dir / (".b.tif.tmp-" + dead_pid + "-0");  // before host names were added
  // Another pod sharing the volume: its pid means nothing in this pid namespace, and it may be writing now.
  const std::string other_host = dir / (".c.tif.tmp-" + dead_pid + "-0-worker-7f9c-abcde");
  const std::string live = core::temporary_path_for(dir / "d.tif");
  // Some drivers need an extension, so callers may append one to the temporary name.
  const std::string with_extension = core::temporary_path_for(dir / "e.gpkg") + ".gpkg";
  const std::string dead_with_extension = dir / (".f.gpkg.tmp-" + dead_pid + "-0-" + host + ".gpkg");
  for (const auto& path : {here, legacy, other_host, live, with_extension, dead_with_extension})
    test::write_text(path, "partial");
  core::remove_stale_temporaries(dir.path());
  CHECK(fs::exists(with_extension));
  CHECK_FALSE(fs::exists(dead_with_extension));
  CHECK_FALSE(fs::exists(here));
  CHECK_FALSE(fs::exists(legacy));
  CHECK(fs::exists(other_host));
  CHECK(fs::exists(live));
  CHECK(live.find(std::string("-") + host) != std::string::npos);

  // A killed run not yet reaped (a zombie, as `timeout -s KILL` leaves one for a moment) runs no more.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  const std::string zombie = dir / (".g.tif.tmp-" + std::to_string(child) + "-0-" + host);
  test::write_text(zombie, "partial");
  for (int i = 0; i < 200 && fs::exists(zombie); ++i) {  // until the child has exited
    core::remove_stale_temporaries(dir.path());
    if (fs::exists(zombie)) ::usleep(10000);
  }
  CHECK_FALSE(fs::exists(zombie));
  CHECK(::waitpid(child, nullptr, 0) == child);
}

TEST_CASE("files: staged files appear together on commit, or not at all") {
  test::ScratchDir dir;
  auto count = [&] { return std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()); };
  {
    core::StagedFiles staged;
    staged.write(dir / "a.json", "a");
    const auto b = staged.add(dir / "b.gpkg", ".gpkg");
    CHECK(b.size() > 5);
    CHECK(b.substr(b.size() - 5) == ".gpkg");
    test::write_text(b, "b");
    CHECK(count() == 2);  // two temporaries, no final name yet
    CHECK_FALSE(fs::exists(dir / "a.json"));
  }  // dropped: an error or an interruption before the commit
  CHECK(count() == 0);
  core::StagedFiles staged;
  staged.write(dir / "a.json", "a");
  test::write_text(staged.add(dir / "b.gpkg"), "b");
  staged.commit();
  CHECK(core::read_file(dir / "a.json") == "a");
  CHECK(core::read_file(dir / "b.gpkg") == "b");
  CHECK(count() == 2);
  CHECK(staged.size() == 0);
}

TEST_CASE("files: a staged file the caller never wrote fails the commit, naming it") {
  test::ScratchDir dir;
  core::StagedFiles staged;
  staged.write(dir / "a.json", "a");
  staged.add(dir / "b.gpkg");
  CHECK_THROWS_AS(staged.commit(), core::IoError);
  CHECK(fs::exists(dir / "a.json"));  // renamed before the failure
  CHECK_FALSE(fs::exists(dir / "b.gpkg"));
}

TEST_CASE("files: uncached writes give the exact bytes for any size and alignment, also where O_DIRECT is refused") {
  test::ScratchDir dir;
  std::vector<std::string> dirs = {dir.path()};
  if (fs::is_directory("/dev/shm")) dirs.push_back("/dev/shm");  // tmpfs: O_DIRECT refused on older kernels
  // A 4096-aligned source (written without a copy) and an unaligned one (copied), several sizes around blocks.
  std::string backing(3 * 4096 + 8192, '\0');
  for (std::size_t i = 0; i < backing.size(); ++i) backing[i] = static_cast<char>((i * 31 + 7) % 251);
  const auto* base = backing.data();
  const auto aligned_at = static_cast<std::size_t>((4096 - reinterpret_cast<std::uintptr_t>(base) % 4096) % 4096);
  for (const auto& where : dirs) {
    for (const std::size_t shift : {aligned_at, aligned_at + 1}) {
      for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096},
                                     std::size_t{4097}, std::size_t{3 * 4096}, std::size_t{3 * 4096 + 100}}) {
        CAPTURE(where);
        CAPTURE(shift - aligned_at);
        CAPTURE(size);
        const std::string path = where + "/swath-uncached-" + std::to_string(::getpid()) + ".bin";
        const std::string_view content(base + shift, size);
        core::write_file_atomic(path, content, core::Durability::uncached);
        CHECK(core::read_file(path) == content);
        fs::remove(path);
      }
    }
  }
}

TEST_CASE("files: resolved_path spells a path one way: absolute, normal, no trailing slash, symlinks resolved") {
  test::ScratchDir dir;
  test::write_text(dir / "real/scene.tif", "x");
  fs::create_directory_symlink(dir / "real", dir / "link");
  fs::create_symlink(dir / "real/scene.tif", dir / "real/alias.tif");
  const std::string real = fs::canonical(dir.path()).string() + "/real";
  CHECK(core::resolved_path(dir / "link/scene.tif") == real + "/scene.tif");
  CHECK(core::resolved_path(dir / "link/../real/./scene.tif") == real + "/scene.tif");
  CHECK(core::resolved_path(dir / "link/") == real);
  CHECK(core::resolved_path(dir / "link//new/out/") ==
        real + "/new/out");  // not there yet: resolved as far as it exists
  // A link to a file of another name keeps its own name (a scene's tiles are filed under it); its directory is
  // resolved.
  CHECK(core::resolved_path(dir / "link/alias.tif") == real + "/alias.tif");
  CHECK(core::resolved_path("/vsis3/bucket/a/../b/") == "/vsis3/bucket/a/../b/");  // virtual paths as given
  CHECK(core::resolved_path("/") == "/");
}

TEST_CASE("files: a directory where a staged file goes fails the commit naming the final path, with a hint") {
  test::ScratchDir dir;
  fs::create_directories(dir / "out.tif");
  core::StagedFiles staged;
  staged.write(dir / "out.tif", "x");
  // Was "cannot move '.out.tif.tmp-...' to 'out.tif'": a hidden temporary that is removed right after.
  for (const auto& write : std::vector<std::function<void()>>{[&] { staged.commit(); },
                                                              [&] { core::write_file_atomic(dir / "out.tif", "x"); }}) {
    try {
      write();
      FAIL("no error");
    } catch (const core::IoError& e) {
      CHECK(std::string(e.what()) == "cannot write '" + (dir / "out.tif") + "': Is a directory");
      CHECK(e.hint() == "a directory has that name: give a file path");
    }
  }
}

TEST_CASE("files: writing back a file system reports nothing, even for a path that cannot be opened") {
  test::ScratchDir dir;
  test::write_text(dir / "a", "x");
  core::write_back_file_system(dir.path());
  core::write_back_file_system(dir / "missing");  // noexcept: the fsyncs that follow report
  core::commit_file(dir / "a", dir / "b");
  CHECK(core::read_file(dir / "b") == "x");
  CHECK_FALSE(fs::exists(dir / "a"));
}

TEST_CASE("files: a device, FIFO or socket at an output path is refused, never renamed over (-o /dev/null)") {
  test::ScratchDir dir;
  CHECK(core::unreplaceable_problem("/dev/null") == "'/dev/null' is a character device, not a regular file");
  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0644) == 0);
  CHECK(core::unreplaceable_problem(dir / "fifo") == "'" + (dir / "fifo") + "' is a FIFO, not a regular file");
  for (const auto& write : std::vector<std::function<void()>>{[&] { core::write_file_atomic(dir / "fifo", "x"); },
                                                              [&] {
                                                                core::StagedFiles staged;
                                                                staged.write(dir / "fifo", "x");
                                                                staged.commit();
                                                              }}) {
    CHECK_THROWS_WITH_AS(write(), ("cannot write '" + (dir / "fifo") + "': it is a FIFO, not a regular file").c_str(),
                         core::IoError);
    struct stat entry {};
    REQUIRE(::lstat((dir / "fifo").c_str(), &entry) == 0);
    CHECK(S_ISFIFO(entry.st_mode));  // still the FIFO, not a regular file with "x"
  }
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);  // no temporary left
  // What can be replaced: nothing there, a file, a symbolic link (the link itself), a directory (rename says so).
  CHECK(core::unreplaceable_problem(dir / "absent").empty());
  test::write_text(dir / "file", "x");
  CHECK(core::unreplaceable_problem(dir / "file").empty());
  fs::create_symlink(dir / "file", dir / "link");
  CHECK(core::unreplaceable_problem(dir / "link").empty());
  fs::create_symlink("/dev/null", dir / "null-link");
  CHECK(core::unreplaceable_problem(dir / "null-link") ==
        "'" + (dir / "null-link") + "' is a symbolic link into /proc or /dev, not a regular file");
  // As /dev/stdout is: a link into /proc, whatever stdout is now (here, maybe a regular file).
  fs::create_symlink("/proc/self/fd/1", dir / "stdout-link");
  CHECK_FALSE(core::unreplaceable_problem(dir / "stdout-link").empty());
  fs::create_symlink(dir / "fifo", dir / "fifo-link");
  CHECK(core::unreplaceable_problem(dir / "fifo-link") ==
        "'" + (dir / "fifo-link") + "' is a symbolic link to a FIFO, not a regular file");
  CHECK(core::unreplaceable_problem(dir.path()).empty());
}

TEST_CASE(
    "read_file: a directory is refused as one (was read as empty: 'not JSON at byte 0'); an empty file is empty") {
  test::ScratchDir dir;
  CHECK_THROWS_WITH_AS(core::read_file(dir.path()), doctest::Contains("it is a directory"), core::IoError);
  test::write_text(dir / "empty", "");
  CHECK(core::read_file(dir / "empty").empty());
  test::write_text(dir / "text", "abc\n");
  CHECK(core::read_file(dir / "text") == "abc\n");
}
