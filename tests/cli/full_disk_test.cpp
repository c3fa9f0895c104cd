// End to end: every file swath writes, on a disk filled to leave a range of free sizes around that output's
// size: either exit 1 with nothing under a final name (no partial, no empty file, no stray temporary), or a
// complete output, byte for byte the one a roomy disk gets.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"
#include "support/tiny_fs.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

const std::string kTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";  // detections carry the trace id

// One command writing into "{out}" (replaced by the tmpfs).
struct Kind {
  std::string name;
  std::vector<std::string> args;
  bool tiles = false;       // complete tiles and the --resume journal may stay after a failed run
  std::string stdout_file;  // the command's stdout redirected to this file by a shell: only the exit code can tell
};

// Inputs outside the tmpfs, made once per test binary run.
struct Inputs {
  std::string sar, optical, truth, detections, stats, trace;
};

const Inputs& inputs() {
  static test::ScratchDir dir;
  static const Inputs made = [] {
    Inputs in{dir / "sar.tif",     dir / "optical.tif", dir / "sar.truth.geojson",
              dir / "det.geojson", dir / "stats.json",  dir / "trace.csv"};
    REQUIRE(test::swath({"synth", "-o", in.sar, "--seed", "5", "--size", "512x512"}).exit_code == 0);
    REQUIRE(
        test::swath({"synth", "-o", in.optical, "--kind", "optical", "--seed", "5", "--size", "256x256"}).exit_code ==
        0);
    REQUIRE(test::swath({"detect", in.sar, "--detector", "cfar", "-o", in.detections}).exit_code == 0);
    test::write_text(in.stats, R"({"schema":"swath.queue.stats/1","queue":"q","depth":400,"in_flight":0,"backlog":400,)"
                               R"("workers":0,"task_seconds":{"p50":2,"p95":4,"count":100}})");
    test::write_text(in.trace, "time,tasks\n0,40\n120,10\n200,60\n");
    return in;
  }();
  return made;
}

std::vector<std::string> with_out(std::vector<std::string> args, const std::string& out) {
  for (auto& a : args) {
    if (const auto at = a.find("{out}"); at != std::string::npos) a.replace(at, 5, out);
  }
  return args;
}

Kind plain(std::string name, std::vector<std::string> args) { return {std::move(name), std::move(args), false, ""}; }

test::RunResult run(const Kind& kind, const std::string& out) {
  const test::RunOptions options{.env = {{"TRACEPARENT", kTrace}}, .unset_env = {}, .working_dir = {}};
  if (kind.stdout_file.empty()) return test::swath(with_out(kind.args, out), options);
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$@\" > '" + out + "/" + kind.stdout_file + "'", "sh",
                                SWATH_BINARY};
  const auto args = with_out(kind.args, out);
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run(argv, {.env = {}, .unset_env = {"SWATH_CONFIG", "TRACEPARENT"}, .working_dir = {}});
}

// Every file under `root` but the filler: relative path → content.
std::map<std::string, std::string> files(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto name = fs::relative(e.path(), root).string();
    if (e.is_regular_file() && name != "filler") out[name] = core::read_file(e.path().string());
  }
  return out;
}

bool hidden(const std::string& path) { return path[0] == '.' || path.find("/.") != std::string::npos; }

// Free sizes around `size` (what the complete output takes on this tmpfs), in whole pages.
std::vector<std::uint64_t> free_sizes(std::uint64_t size) {
  const auto page = [](std::uint64_t b) { return b / test::kPage * test::kPage; };
#if defined(__SANITIZE_ADDRESS__)
  std::set<std::uint64_t> sizes{0, page(size / 2), size + test::kPage};
#else
  std::set<std::uint64_t> sizes{0,
                                test::kPage,
                                page(size / 2),
                                size - test::kPage,
                                size,
                                size + test::kPage,
                                size + 2 * test::kPage,
                                size + 4 * test::kPage,
                                page(size * 2)};
#endif
  return {sizes.begin(), sizes.end()};
}

// Runs `kind` with room to spare, then at each free size, checking the rule above.
void check_on_full_disks(const Kind& kind) {
  test::ScratchDir dir;
  test::TinyFileSystem tmpfs(dir / "fs", "size=8m");
  if (!tmpfs.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root (" << kind.name << ")");
    return;
  }
  const auto roomy = tmpfs.available();
  const auto first = run(kind, tmpfs.path());
  CAPTURE(first.err);
  REQUIRE(first.exit_code == 0);
  const auto reference = files(tmpfs.path());
  REQUIRE_FALSE(reference.empty());
  const auto size = roomy - tmpfs.available();
  for (const auto free : free_sizes(size)) {
    tmpfs.leave_free(free);
    const auto r = run(kind, tmpfs.path());
    const auto left = files(tmpfs.path());
    const auto err_lines = test::lines(r.err);
    const std::string error = err_lines.empty() ? "" : err_lines.back();  // the message main printed
    CAPTURE(kind.name);
    CAPTURE(size);
    CAPTURE(free);
    CAPTURE(error);
    if (r.exit_code == 0) {
      CHECK(left == reference);  // complete: every file, byte for byte
      continue;
    }
    CHECK(r.exit_code == 1);
    CHECK(error.find("No space left on device") != std::string::npos);
    if (!kind.stdout_file.empty()) continue;  // the shell made the file; the exit code said it is not whole
    if (!kind.tiles) {  // nor an empty directory the command made for its output (scale-plan --emit -o DIR)
      for (const auto& e : fs::directory_iterator(tmpfs.path())) CHECK_MESSAGE(!e.is_directory(), e.path().string());
    }
    for (const auto& [path, content] : left) {
      CAPTURE(path);
      const bool tile = kind.tiles && !hidden(path) && path.find('/') != std::string::npos &&
                        path.find("tiles.") == std::string::npos;
      const bool journal = kind.tiles && path.size() > 8 && path.substr(path.size() - 8) == ".journal";
      CHECK((tile || journal));  // nothing else under any name: no manifest, no temporary
      if (tile) CHECK(content == reference.at(path));
    }
  }
}

}  // namespace

TEST_CASE("full disk: detect to GeoPackage with a quicklook PNG") {
  check_on_full_disks(plain("detect gpkg + quicklook", {"detect", inputs().sar, "--detector", "cfar", "-o",
                                                        "{out}/d.gpkg", "--quicklook", "{out}/q.png"}));
}

TEST_CASE("full disk: detect to FlatGeobuf and its provenance sidecar") {
  check_on_full_disks(plain("detect fgb", {"detect", inputs().sar, "--detector", "cfar", "-o", "{out}/d.fgb"}));
}

TEST_CASE("full disk: detect to GeoJSON") {
  check_on_full_disks(plain("detect geojson", {"detect", inputs().sar, "--detector", "cfar", "-o", "{out}/d.geojson"}));
}

TEST_CASE("full disk: synth scene and truth") {
  check_on_full_disks(plain("synth", {"synth", "-o", "{out}/s.tif", "--seed", "9", "--size", "384x384"}));
}

TEST_CASE("full disk: tiles of every format with their manifest and index") {
  for (const char* format : {"GTiff", "COG", "PNG", "JPEG", "WEBP"}) {
    check_on_full_disks({std::string("tile ") + format,
                         {"tile", inputs().optical, "-o", "{out}/t", "--size", "64", "-f", format, "--threads", "2"},
                         true,
                         ""});
  }
}

TEST_CASE("full disk: config show -o, eval -o, scale-plan --emit and --plot, stdout to a file") {
  check_on_full_disks(plain("config show -o", {"config", "show", "-o", "{out}/config.txt"}));
  check_on_full_disks(
      plain("eval -o", {"eval", inputs().detections, inputs().truth, "--json", "-o", "{out}/eval.json"}));
  check_on_full_disks(
      plain("scale-plan --emit", {"scale-plan", "--stats", inputs().stats, "--emit", "all", "-o", "{out}/k8s"}));
  check_on_full_disks(
      plain("scale-plan --plot", {"scale-plan", "--simulate", inputs().trace, "--plot", "{out}/plot.svg"}));
  check_on_full_disks({"config show > FILE", {"config", "show", "--json"}, false, "shown.json"});
  check_on_full_disks({"tile --help > FILE", {"tile", "--help"}, false, "help.txt"});  // was: exit 0, help cut short
}

TEST_CASE("full disk: --log-file lines that cannot be written are said on stderr, the command's result stands") {
  test::ScratchDir dir;
  test::TinyFileSystem tmpfs(dir / "fs", "size=64k");
  if (!tmpfs.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  tmpfs.leave_free(0);
  const auto r = test::swath({"--log-file", tmpfs / "swath.log", "-v", "config", "show", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"log.file\"") != std::string::npos);
  CHECK_MESSAGE(
      r.err.find("cannot write log file '" + tmpfs / "swath.log" + "': No space left on device") != std::string::npos,
      r.err);
  CHECK_MESSAGE(r.err.find("log line(s) could not be written to '" + tmpfs / "swath.log") != std::string::npos, r.err);
  // A command that fails says it too (a full disk usually fails both), after its error.
  const auto failed =
      test::swath({"--log-file", tmpfs / "swath.log", "-v", "eval", dir / "none.geojson", dir / "t.geojson"});
  CHECK(failed.exit_code != 0);
  const auto error_at = failed.err.find("none.geojson");
  const auto lost_at = failed.err.find("log line(s) could not be written to '" + tmpfs / "swath.log");
  CHECK_MESSAGE((error_at != std::string::npos && lost_at != std::string::npos && error_at < lost_at), failed.err);
  // With room, every line is there and nothing is said.
  tmpfs.clear();
  const auto roomy = test::swath({"--log-file", tmpfs / "swath.log", "-v", "config", "show", "--json"});
  CHECK(roomy.exit_code == 0);
  CHECK(roomy.err.find("log file") == std::string::npos);
  CHECK(test::lines(core::read_file(tmpfs / "swath.log")).size() >= 2);
}

TEST_CASE("full disk: a log line cut short by the disk is cut off again: the file holds whole lines only") {
  test::ScratchDir dir;
  test::TinyFileSystem tmpfs(dir / "fs", "size=64k");
  if (!tmpfs.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  tmpfs.leave_free(test::kPage);  // a page of lines, the next one written in part
  const auto r = test::swath(
      {"--log-file", tmpfs / "swath.log", "-vv", "synth", "-o", dir / "s.tif", "--size", "256x256", "--objects", "40"});
  CHECK(r.exit_code == 0);
  const auto text = core::read_file(tmpfs / "swath.log");
  CAPTURE(r.err);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  for (const auto& line : test::lines(text)) CHECK_NOTHROW(core::Json::parse(line));
}
