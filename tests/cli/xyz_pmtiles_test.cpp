// End to end: `swath tile --grid xyz -o OUT.pmtiles` — one archive the npm `pmtiles` reader reads, tile for tile the
// directory output of the same command, the same bytes for any --threads, and nothing under the final name on failure.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <thread>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "support/pmtiles_reader.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tiny_fs.hpp"
#include "tiling/manifest_reader.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A 3-band Byte scene (UTM 18N, 10 m pixels) with a gradient: zooms 10-15 give a few dozen distinct tiles.
std::string gradient_scene(const test::ScratchDir& dir, int size = 600) {
  return test::make_scene(
      dir / "s.tif", {.width = size, .height = size, .bands = 3, .type = GDT_Byte, .pixel = [](int b, int x, int y) {
                        return (x + 2 * y + 40 * b) % 251;
                      }});
}

// The names of everything in `dir` (not recursive).
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool has_temporary(const std::string& dir) {
  const auto names = names_in(dir);
  return std::any_of(names.begin(), names.end(),
                     [](const std::string& n) { return n.find(".tmp-") != std::string::npos; });
}

}  // namespace

TEST_CASE(
    "tile --grid xyz -o OUT.pmtiles: the npm reader finds every tile of the directory output, with its TileJSON") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir);
  const std::vector<std::string> common{"--grid", "xyz", "--zoom", "10-15"};
  auto args = std::vector<std::string>{"tile", scene, "-o", dir / "tree"};
  args.insert(args.end(), common.begin(), common.end());
  REQUIRE(test::swath(args).exit_code == 0);
  fs::create_directory(dir / "maps");
  args[3] = dir / "maps/out.pmtiles";
  args.push_back("--json");
  const auto r = test::swath(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(names_in(dir / "maps") == std::vector<std::string>{"out.pmtiles"});  // no tree, no spool, no manifest beside it

  std::map<std::string, std::string> expected;  // "z/x/y" → sha256, from the directory's manifest
  tiling::ManifestReader reader(dir / "tree/tiles.jsonl");
  while (auto entry = reader.next()) {
    if (!std::holds_alternative<tiling::ManifestLine>(*entry)) continue;
    const auto& line = std::get<tiling::ManifestLine>(*entry);
    if (line.status != "written") continue;
    CHECK(line.sha256 == core::sha256_hex(core::read_file(line.tile_file())));
    expected[line.id] = line.sha256;
  }
  REQUIRE(expected.size() > 10);
  const auto listing = test::list_with_npm_reader(dir / "maps/out.pmtiles");
  CHECK(listing.tiles == expected);
  CHECK(listing.header.at("tileType").as_int() == 2);  // PNG
  CHECK(listing.header.at("minZoom").as_int() == 10);
  CHECK(listing.header.at("maxZoom").as_int() == 15);

  // The metadata is the directory's TileJSON without its URLs, plus the manifest header (provenance).
  auto tilejson = core::Json::parse(core::read_file(dir / "tree/tilejson.json"));
  for (const auto& [key, value] : tilejson.as_object()) {
    if (key == "tiles")
      CHECK(listing.metadata.find(key) == nullptr);
    else
      CHECK_MESSAGE(listing.metadata.at(key) == value, key);
  }
  const auto& swath_header = listing.metadata.at("swath");
  CHECK(swath_header.at("grid").as_string() == "xyz");
  CHECK(swath_header.at("provenance").at("software").as_string() == "swath");
  const auto& b = tilejson.at("bounds").as_array();
  CHECK(listing.header.at("minLon").as_double() == doctest::Approx(b[0].as_double()).epsilon(1e-6));
  CHECK(listing.header.at("maxLat").as_double() == doctest::Approx(b[3].as_double()).epsilon(1e-6));
  CHECK(listing.header.at("centerZoom").as_int() == 10);

  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("written").as_int() == static_cast<std::int64_t>(expected.size()));
  CHECK(summary.at("index").is_null());   // no tiles.geojson beside an archive
  CHECK(summary.at("stages").is_null());  // a pyramid does not clock its stages
}

TEST_CASE("tile --grid xyz -o OUT.pmtiles: the same archive bytes for 1 and 2 threads and for a second run") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir);
  const auto run = [&](const std::string& out, const std::string& threads) {
    const auto r =
        test::swath({"tile", scene, "-o", dir / out, "--grid", "xyz", "--zoom", "10-15", "--threads", threads});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    REQUIRE(fs::is_regular_file(dir / out));
    return core::read_file(dir / out);
  };
  const std::string one = run("one.pmtiles", "1");
  CHECK(one == run("two.pmtiles", "2"));
  CHECK(one == run("again.pmtiles", "2"));
}

TEST_CASE(
    "tile -o OUT.pmtiles: without --grid xyz, or with --resume, a usage error (exit 2) with a hint, nothing written") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir);
  auto r = test::swath({"tile", scene, "-o", dir / "chips.pmtiles"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "'" + dir / "chips.pmtiles" + "'"));
  CHECK(contains(r.err, "hint: add --grid xyz"));
  CHECK_FALSE(fs::exists(dir / "chips.pmtiles"));

  r = test::swath({"tile", scene, "-o", dir / "out.pmtiles", "--grid", "xyz", "--zoom", "12-13", "--resume"});
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "--resume"));
  CHECK(contains(r.err, "cannot be resumed"));
  CHECK_FALSE(fs::exists(dir / "out.pmtiles"));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"s.tif"});
}

TEST_CASE("tile --grid xyz: no covered tile gives a manifest of blank tiles in a directory, and no archive (exit 1)") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "s.tif", {.width = 100,
                                                      .height = 100,
                                                      .bands = 1,
                                                      .type = GDT_Byte,
                                                      .pixel = [](int, int, int) { return 0; },
                                                      .nodata = 0.0});
  auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", "10-12", "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("written").as_int() == 0);
  std::size_t blank = 0;
  tiling::ManifestReader manifest(dir / "out/tiles.jsonl");
  while (const auto entry = manifest.next()) {
    if (std::holds_alternative<tiling::ManifestLine>(*entry)) {
      CHECK(std::get<tiling::ManifestLine>(*entry).status == "blank");
      ++blank;
    }
  }
  CHECK(blank == 3);

  r = test::swath({"tile", scene, "-o", dir / "out.pmtiles", "--grid", "xyz", "--zoom", "10-12"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "'" + dir / "out.pmtiles" + "'"));
  CHECK(contains(r.err, "no tile of zooms 10-12 has data"));
  CHECK_FALSE(fs::exists(dir / "out.pmtiles"));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"out", "s.tif"});
}

TEST_CASE("tile --grid xyz -o OUT.pmtiles: a full disk exits 1 and leaves no archive and no spool") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir);
  const std::vector<std::string> rest{"--grid", "xyz", "--zoom", "10-15"};
  auto args = std::vector<std::string>{"tile", scene, "-o", dir / "reference.pmtiles"};
  args.insert(args.end(), rest.begin(), rest.end());
  REQUIRE(test::swath(args).exit_code == 0);
  const auto size = fs::file_size(dir / "reference.pmtiles");
  REQUIRE(size > 3 * 4096);

  test::TinyFileSystem full(dir / "full", "size=1m");
  if (!full.mounted()) {
    MESSAGE("skipped: mounting a tmpfs needs root");
    return;
  }
  full.leave_free(size / 2 / 4096 * 4096);  // room for the spool, not for spool and archive both
  args[3] = full / "out.pmtiles";
  const auto r = test::swath(args);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "No space left on device"));
  CHECK(names_in(full.path()) == std::vector<std::string>{"filler"});
}

TEST_CASE("tile --grid xyz -o OUT.pmtiles: SIGINT exits 130 and leaves no archive and no spool") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir, 2000);  // zooms 10-16: over a thousand tiles, far more than the first block
  fs::create_directory(dir / "maps");
  test::Background run({SWATH_BINARY, "-q", "tile", scene, "-o", dir / "maps/out.pmtiles", "--grid", "xyz", "--zoom",
                        "10-16", "--threads", "1"},
                       {.env = {}, .unset_env = {"SWATH_CONFIG"}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!has_temporary(dir / "maps") && run.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // some blocks in the spool
  REQUIRE_MESSAGE(run.running(), "the run finished before it could be interrupted");
  run.signal(SIGINT);
  const auto r = run.wait();
  CHECK(r.exit_code == 130);
  CHECK(contains(r.err, "interrupted"));
  CHECK(fs::is_empty(dir / "maps"));
}

TEST_CASE("tile --grid xyz -o OUT.pmtiles: the spool a killed earlier run left is removed, others' temporaries kept") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir, 300);
  const std::string dead = std::to_string(test::dead_pid());
  const std::string host = test::host_name();
  const std::string stale = ".out.pmtiles.tmp-" + dead + "-0-" + host;
  const std::vector<std::string> kept = {".other.pmtiles.tmp-" + dead + "-0-" + host,
                                         ".out.pmtiles.tmp-" + dead + "-0-elsewhere"};
  test::write_text(dir / stale, "spool");
  for (const auto& name : kept) test::write_text(dir / name, "spool");
  const auto r = test::swath({"tile", scene, "-o", dir / "out.pmtiles", "--grid", "xyz", "--zoom", "12-13"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_FALSE(fs::exists(dir / stale));
  for (const auto& name : kept) CHECK(fs::exists(dir / name));
  CHECK(fs::is_regular_file(dir / "out.pmtiles"));
}

TEST_CASE("tile --grid xyz -o OUT.pmtiles: a directory of that name is refused before any work (exit 2)") {
  test::ScratchDir dir;
  const auto scene = gradient_scene(dir, 600);
  fs::create_directory(dir / "map.pmtiles");
  const auto r = test::swath({"tile", scene, "-o", dir / "map.pmtiles", "--grid", "xyz"});
  CHECK(r.exit_code == 2);  // was: the whole pyramid built, then exit 1 "Is a directory"
  CHECK_MESSAGE(contains(r.err, "it is a directory: the archive is one file"), r.err);
  CHECK(fs::is_empty(dir / "map.pmtiles"));
}
