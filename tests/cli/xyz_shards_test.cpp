// End to end: `swath tile --grid xyz --shard I/N` and `--merge-shards DIR` — N shards and their merge give the bytes
// and the manifest (or the PMTiles archive) of one machine's run; a missing, unfinished or differently made shard is
// refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "cli/fleet_support.hpp"
#include "core/files.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("tile --grid xyz --shard I/N + --merge-shards: every tile, tiles.jsonl and tilejson.json as one machine's") {
  test::ScratchDir dir;
  const auto scene = test::strip_scene(dir / "strip.tif");
  // 16MiB: blocks of 2×2 base tiles (root zoom 14), so the split zoom is 12, 13 and 14 for N = 1, 2, 3.
  const std::vector<std::string> common = {"--grid", "xyz", "--zoom", "10-15", "--max-memory", "16MiB"};
  // One machine at the default budget (blocks rooted elsewhere): its manifest has the same bytes all the same.
  const auto one =
      test::swath({"tile", scene, "-o", dir / "one", "--threads", "2", "--grid", "xyz", "--zoom", "10-15"});
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  const auto expected = test::pyramid_files(dir / "one");
  REQUIRE(expected.count("tiles.jsonl") == 1);
  REQUIRE(expected.count("tilejson.json") == 1);
  REQUIRE(expected.size() > 100);
#if defined(__SANITIZE_ADDRESS__)
  const std::vector<int> counts = {1, 3};
#else
  const std::vector<int> counts = {1, 2, 3};
#endif
  for (int n : counts) {
    CAPTURE(n);
    const std::string out = dir / ("shards-" + std::to_string(n));
    for (int i = 0; i < n; ++i) {
      const auto shard = std::to_string(i) + "/" + std::to_string(n);
      const auto r = test::swath(
          with({"tile", scene, "-o", out, "--shard", shard, "--threads", std::to_string(1 + i % 2)}, common));
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
      const std::string manifest = "tiles.shard-" + std::to_string(i) + "-of-" + std::to_string(n) + ".jsonl";
      CHECK(fs::exists(out + "/" + manifest));
    }
    CHECK_FALSE(fs::exists(out + "/tiles.jsonl"));  // the shards leave the run's manifest and TileJSON to the merge
    CHECK_FALSE(fs::exists(out + "/tilejson.json"));
    const auto merged = test::swath(with({"tile", "--merge-shards", out, "--json"}, common));
    REQUIRE_MESSAGE(merged.exit_code == 0, merged.err);
    const auto got = test::pyramid_files(out);
    CHECK(got.size() == expected.size());
    for (const auto& [path, bytes] : expected) {
      CAPTURE(path);
      const auto it = got.find(path);
      REQUIRE(it != got.end());
      CHECK(it->second == bytes);
    }
  }
  // -o OUT.pmtiles at the merge: the archive one machine's -o OUT.pmtiles writes, byte for byte.
  const auto archive = test::swath(with({"tile", scene, "-o", dir / "one.pmtiles"}, common));
  REQUIRE_MESSAGE(archive.exit_code == 0, archive.err);
  const std::string last = dir / ("shards-" + std::to_string(counts.back()));
  const auto merged = test::swath(with({"tile", "--merge-shards", last, "-o", dir / "merged.pmtiles"}, common));
  REQUIRE_MESSAGE(merged.exit_code == 0, merged.err);
  CHECK(core::read_file(dir / "merged.pmtiles") == core::read_file(dir / "one.pmtiles"));
}

TEST_CASE("tile --grid xyz --merge-shards: a missing, unfinished or differently made shard is refused, naming it") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "s.tif", {.width = 300, .height = 300, .bands = 3, .type = GDT_Byte, .pixel = [](int b, int x, int y) {
                        return (x + y + b) % 251;
                      }});
  const std::vector<std::string> common = {"--grid", "xyz", "--zoom", "9-13"};
  const auto shard = [&](const std::string& out, const std::string& which, std::vector<std::string> more = {}) {
    const auto r = test::swath(with(with({"tile", scene, "-o", out, "--shard", which}, common), more));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  };
  const auto merge = [&](const std::string& out, std::vector<std::string> more = {}) {
    return test::swath(with(with({"tile", "--merge-shards", out}, common), more));
  };

  fs::create_directories(dir / "empty");
  auto r = merge(dir / "empty");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "no shard manifest"), r.err);

  // Chip shards are not a pyramid's (was: exit 1, "not the header of pyramid shard 0/2").
  REQUIRE(test::swath({"tile", scene, "-o", dir / "chips", "--shard", "0/2", "--size", "128"}).exit_code == 0);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "chips", "--shard", "1/2", "--size", "128"}).exit_code == 0);
  r = merge(dir / "chips");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "tiles.shard-0-of-2.jsonl is a shard of chips"), r.err);

  shard(dir / "half", "0/2");
  r = merge(dir / "half");
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "shard 1/2 is missing: no tiles.shard-1-of-2.jsonl"), r.err);
  CHECK_FALSE(fs::exists(dir / "half/tiles.jsonl"));

  // A killed shard leaves its journal and no manifest.
  shard(dir / "half", "1/2");
  fs::rename(dir / "half/tiles.shard-1-of-2.jsonl", dir / "half/.tiles.shard-1-of-2.jsonl.journal");
  r = merge(dir / "half");
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "shard 1/2 is unfinished"), r.err);
  CHECK_FALSE(fs::exists(dir / "half/tiles.jsonl"));

  // A shard with other options is refused in a directory holding another shard's tiles; a manifest copied
  // in from elsewhere is refused by the merge.
  shard(dir / "mixed", "0/2");
  r = test::swath(
      with(with({"tile", scene, "-o", dir / "mixed", "--shard", "1/2", "--resampling", "near"}, common), {}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "it holds the tiles of a run with other options"), r.err);
  shard(dir / "other", "1/2", {"--resampling", "near"});
  fs::copy_file(dir / "other/tiles.shard-1-of-2.jsonl", dir / "mixed/tiles.shard-1-of-2.jsonl");
  r = merge(dir / "mixed");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err,
                         "shard 1/2 was made with other options or scenes than shard 0: options.resampling: "
                         "\"near\", shard 0's \"average\""),
                r.err);  // what differs, not two whole headers
  CHECK(r.err.size() < 600);

  shard(dir / "good", "0/2");
  shard(dir / "good", "1/2");
  r = merge(dir / "good", {"--resampling", "cubic"});  // not the shards' options
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "\"resampling\":\"average\""), r.err);
  CHECK_FALSE(fs::exists(dir / "good/tiles.jsonl"));

  // A tile a shard lists but that is gone.
  std::string lost;
  for (const auto& entry : fs::recursive_directory_iterator(dir / "good/13")) {
    if (entry.is_regular_file()) lost = entry.path().string();
  }
  REQUIRE_FALSE(lost.empty());
  fs::rename(lost, lost + ".away");
  const auto files_in = [](const std::string& root) {
    std::set<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) out.insert(entry.path().string());
    }
    return out;
  };
  const auto before = files_in(dir / "good");
  r = merge(dir / "good");
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "a shard lists it but it is not there"), r.err);
  CHECK(files_in(dir / "good") == before);  // no tile above the split made for nothing (they were, listed nowhere)
  // --resume per shard makes it again (the shard that owns it); then the merge is one machine's run.
  fs::remove(lost + ".away");
  shard(dir / "good", "0/2", {"--resume"});
  shard(dir / "good", "1/2", {"--resume"});
  CHECK(fs::exists(lost));
  r = merge(dir / "good", {"--json"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  const auto one = test::swath(with({"tile", scene, "-o", dir / "one"}, common));
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  CHECK(test::pyramid_files(dir / "good") == test::pyramid_files(dir / "one"));

  // Shards are PNG into a directory: lossy formats and archives are usage errors up front.
  r = test::swath(with({"tile", scene, "-o", dir / "jpeg", "--shard", "0/2", "--format", "JPEG"}, common));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "lossy"), r.err);
  r = test::swath(with({"tile", scene, "-o", dir / "x.pmtiles", "--shard", "0/2"}, common));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "not into an archive"), r.err);
  CHECK_FALSE(fs::exists(dir / "x.pmtiles"));
  r = merge(dir / "good", {"-o", dir / "elsewhere"});  // the merge completes the shards' directory
  CHECK(r.exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "elsewhere"));
  // Scenes and -o are optional for the merge only; --merge-shards is for pyramids only.
  CHECK(test::swath({"tile", "-o", dir / "out", "--grid", "xyz"}).exit_code == 2);
  CHECK(test::swath({"tile", scene, "--grid", "xyz"}).exit_code == 2);
  r = test::swath({"tile", "--merge-shards", dir / "good"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "add --grid xyz"), r.err);
  r = merge(dir / "good", {dir / "other.tif"});  // scenes, when named, must be the shards'
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(contains(r.err, "other scenes"), r.err);
}

TEST_CASE(
    "tile --grid xyz --merge-shards: a split-zoom tile changed since its shard, or an in-range tile no shard "
    "lists, is refused before any tile above the split is made") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(
      dir / "s.tif", {.width = 300, .height = 300, .bands = 3, .type = GDT_Byte, .pixel = [](int b, int x, int y) {
                        return (x * 7 + y * 3 + b) % 251;
                      }});
  const std::vector<std::string> common = {"--grid", "xyz", "--zoom", "9-13"};
  const auto shards_in = [&](const std::string& out) {
    for (const std::string which : {"0/2", "1/2"}) {
      const auto r = test::swath(with({"tile", scene, "-o", out, "--shard", which}, common));
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
  };
  const auto files_in = [](const std::string& root) {
    std::set<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) out.insert(entry.path().string());
    }
    return out;
  };
  const auto lines_of = [](const std::string& path) {
    std::vector<std::string> lines;
    std::istringstream in(core::read_file(path));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const std::vector<std::string> manifests = {"tiles.shard-0-of-2.jsonl", "tiles.shard-1-of-2.jsonl"};

  // A tile at the split zoom, same size, other bytes: the merge would decode it into every tile above.
  shards_in(dir / "changed");
  const auto header = core::Json::parse(lines_of(dir / "changed/" + manifests[0]).front());
  const auto split = header.at("shard").at("split_zoom").as_int();
  REQUIRE(split > 9);
  std::string victim;
  for (const auto& manifest : manifests) {
    for (const auto& line : lines_of(dir / "changed/" + manifest)) {
      const auto record = core::Json::parse(line);
      const auto* status = record.find("status");
      const auto* z = record.find("z");
      if (status != nullptr && *status == core::Json("written") && z != nullptr && z->as_int() == split) {
        victim = dir / "changed/" + record.at("path").as_string();
      }
    }
  }
  REQUIRE_MESSAGE(!victim.empty(), lines_of(dir / "changed/" + manifests[1]).at(1));
  std::string bytes = core::read_file(victim);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
  core::write_file_atomic(victim, bytes, core::Durability::rename_only);
  auto before = files_in(dir / "changed");
  auto r = test::swath(with({"tile", "--merge-shards", dir / "changed"}, common));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "its SHA-256 differs from what its shard recorded"), r.err);
  CHECK_MESSAGE(contains(r.err, victim), r.err);
  CHECK(files_in(dir / "changed") == before);

  // A shard manifest without one of its in-range tiles.
  shards_in(dir / "unlisted");
  std::string edited;
  std::vector<std::string> lines;
  for (const auto& manifest : manifests) {
    lines = lines_of(dir / "unlisted/" + manifest);
    if (lines.size() < 2) continue;
    lines.erase(lines.end() - 1);
    edited = dir / "unlisted/" + manifest;
    break;
  }
  REQUIRE_FALSE(edited.empty());
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  core::write_file_atomic(edited, text, core::Durability::rename_only);
  before = files_in(dir / "unlisted");
  r = test::swath(with({"tile", "--merge-shards", dir / "unlisted"}, common));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(contains(r.err, "the shards list"), r.err);
  CHECK(files_in(dir / "unlisted") == before);
}

TEST_CASE("enqueue --kind tile with webmap.grid xyz from the environment queues pyramid tasks, never chips") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "s.tif", {.width = 64, .height = 64, .bands = 3, .type = GDT_Byte});
  test::RunOptions env;
  env.env["SWATH_WEBMAP__GRID"] = "xyz";
  const auto r = test::swath(
      test::fleet::with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "out", "--json"}), env);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 2);  // shard 0/1 and its merge (held)
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "1");
}
