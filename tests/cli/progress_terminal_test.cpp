// End to end on a pseudo-terminal (so the progress bar is really drawn): log lines start on their own line
// below the bar, and -q shows no bar.
#include <doctest/doctest.h>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct TerminalRun {
  int exit_code = -1;
  std::string bytes;  // everything the terminal received (stdout and stderr)
};

// Runs the swath binary with its stdout and stderr on a new pseudo-terminal; SWATH_* and TRACEPARENT unset.
TerminalRun run_on_terminal(std::vector<std::string> args) {
  args.insert(args.begin(), SWATH_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int master = -1;
  winsize size{};
  size.ws_row = 40;
  size.ws_col = 200;
  const pid_t child = ::forkpty(&master, nullptr, nullptr, &size);
  REQUIRE_MESSAGE(child >= 0, "forkpty: " << std::strerror(errno));
  if (child == 0) {
    for (char** e = environ; *e != nullptr;) {
      const std::string entry = *e;
      if (entry.rfind("SWATH_", 0) == 0 || entry.rfind("TRACEPARENT=", 0) == 0) {
        ::unsetenv(entry.substr(0, entry.find('=')).c_str());  // shifts environ: look at the same slot again
      } else {
        ++e;
      }
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  TerminalRun run;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      run.bytes.append(buffer, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO: the child's side closed
    }
  }
  ::close(master);
  int status = 0;
  ::waitpid(child, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

// The lines a terminal shows for `bytes`: \r returns to column 0, ESC[K erases to the end of the line.
std::vector<std::string> screen_lines(const std::string& bytes) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t column = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == '\r') {
      column = 0;
    } else if (c == '\n') {
      lines.push_back(line);
      line.clear();
      column = 0;
    } else if (c == '\033' && bytes.compare(i, 3, "\033[K") == 0) {
      line.resize(column);
      i += 2;
    } else {
      if (column < line.size())
        line[column] = c;
      else
        line += c;
      ++column;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

bool is_bar(const std::string& line) {
  return contains(line, "] ") && contains(line, " tiles") && contains(line, "ETA ");
}

// A scene whose corrupt block fails 4 of its 6 tiles, each failure logged as a WARNING while the bar is up.
std::string scene_with_failing_tiles(const test::ScratchDir& dir) {
  test::SceneSpec spec{.width = 128, .height = 96, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 40 + x + y) % 256; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "scene.tif", spec);
  test::corrupt_block(scene, 1, 1);
  return scene;
}

}  // namespace

TEST_CASE("progress bar on a terminal: a warning starts on its own line and the bar is drawn again below it") {
  test::ScratchDir dir;
  const auto scene = scene_with_failing_tiles(dir);
  const auto r =
      run_on_terminal({"tile", scene, "-o", dir / "out", "--size", "64", "--overlap", "32", "--threads", "1"});
  CHECK(r.exit_code == 3);
  const auto lines = screen_lines(r.bytes);
  CAPTURE(r.bytes);
  std::size_t warnings = 0;
  for (const auto& line : lines) {
    if (!contains(line, "WARNING")) continue;
    ++warnings;
    CHECK(line.find(" WARNING ") == 27);  // right after its timestamp: nothing of the bar before it
    CHECK_FALSE(is_bar(line));
  }
  CHECK(warnings >= 4);  // one "tile failed" per failed tile
  // The bar ends the output, drawn once more after the last log line: 6 of 6 tiles, 4 failed.
  std::size_t last_bar = lines.size(), last_warning = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (is_bar(lines[i])) last_bar = i;
    if (contains(lines[i], "WARNING")) last_warning = i;
  }
  REQUIRE(last_bar < lines.size());
  CHECK(last_bar > last_warning);
  CHECK(contains(lines[last_bar], "6/6 tiles (4 failed)"));
}

TEST_CASE("progress bar on a terminal: -q shows warnings but no bar") {
  test::ScratchDir dir;
  const auto scene = scene_with_failing_tiles(dir);
  const auto r = run_on_terminal({"-q", "tile", scene, "-o", dir / "out", "--size", "64", "--overlap", "32"});
  CHECK(r.exit_code == 3);
  CAPTURE(r.bytes);
  CHECK(contains(r.bytes, "WARNING"));
  for (const auto& line : screen_lines(r.bytes)) CHECK_FALSE(is_bar(line));
  CHECK_FALSE(contains(r.bytes, "MPix/s"));
}
