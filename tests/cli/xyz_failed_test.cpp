// End to end: a corrupt block of a scene under a `--grid xyz` pyramid fails the tiles it reaches, as chips do: they
// are recorded failed with the reason (the zooms above them too), the others are written, exit 3; --resume makes
// only the failed ones again.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "tiling/manifest_reader.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every file under `root`, relative path → bytes.
std::map<std::string, std::string> files_under(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file())
      out[fs::relative(entry.path(), root).string()] = core::read_file(entry.path().string());
  }
  return out;
}

// z → the ids of the tiles recorded failed there; each checked to have an error and no file.
std::map<int, std::set<std::string>> failed_tiles(const std::string& dir, std::map<std::string, std::string>& errors) {
  std::map<int, std::set<std::string>> out;
  tiling::ManifestReader reader(dir + "/tiles.jsonl");
  while (auto entry = reader.next()) {
    if (!std::holds_alternative<tiling::ManifestLine>(*entry)) continue;
    const auto& line = std::get<tiling::ManifestLine>(*entry);
    if (line.status != "failed") continue;
    out[static_cast<int>(line.json.at("z").as_int())].insert(line.id);
    errors[line.id] = line.json.at("error").as_string();
    CHECK_FALSE(fs::exists(dir + "/" + line.id + ".png"));
  }
  return out;
}

}  // namespace

TEST_CASE("tile --grid xyz: a corrupt block fails its tiles and those above, the rest are written, exit 3; --resume") {
  test::ScratchDir dir;
  // 10 km of noise (so the file is larger than the fingerprint's edges, and a block restored keeps its fingerprint),
  // DEFLATE in 64-px blocks.
  test::SceneSpec spec{.width = 1024, .height = 1024, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) {
    auto h = static_cast<std::uint32_t>(x) * 73856093u ^ static_cast<std::uint32_t>(y) * 19349663u ^
             static_cast<std::uint32_t>(b) * 83492791u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    return static_cast<double>((h >> 15) & 255u);
  };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "noise.tif", spec);
  REQUIRE(fs::file_size(scene) > (std::uintmax_t{2} << 20));
  const std::vector<std::string> args{"tile",  scene,    "--grid",       "xyz",  "--zoom",
                                      "12-14", "--json", "--max-memory", "16MiB"};
  const auto run = [&](std::vector<std::string> more) {
    auto all = args;
    all.insert(all.end(), more.begin(), more.end());
    return test::swath(all);
  };
  const auto whole = run({"-o", dir / "whole"});
  REQUIRE_MESSAGE(whole.exit_code == 0, whole.err);
  fs::copy_file(scene, dir / "intact.tif");

  test::corrupt_block(scene, 8, 8);
  const auto r = run({"-o", dir / "out"});
  CHECK(r.exit_code == 3);
  const auto summary = core::Json::parse(r.out);
  CHECK(summary.at("written").as_int() > 0);
  std::map<std::string, std::string> errors;
  const auto failed = failed_tiles(dir / "out", errors);
  std::size_t count = 0;
  for (const auto& [z, ids] : failed) count += ids.size();
  CHECK(summary.at("failed").as_int() == static_cast<std::int64_t>(count));
  CHECK(summary.at("planned").as_int() ==
        summary.at("written").as_int() + summary.at("skipped_blank").as_int() + summary.at("failed").as_int());
  // The base tiles over the block fail with GDAL's reason; the tiles made from them, down to zoom 12, fail too.
  REQUIRE(failed.count(14) == 1);
  REQUIRE(failed.count(12) == 1);
  for (const auto& id : failed.at(14)) {
    CHECK_MESSAGE(contains(errors.at(id), "cannot warp scene"), errors.at(id));
    CHECK(contains(errors.at(id), "(hint: check that the scene reads throughout (gdalinfo -checksum)"));
  }
  for (const auto& id : failed.at(12)) CHECK(contains(errors.at(id), "a tile below it failed: cannot warp scene"));
  CHECK(summary.at("failures").as_array().size() == std::min<std::size_t>(count, 100));
  CHECK(contains(r.err, "block failed"));

  // The scene mended (the same fingerprint): --resume keeps the tiles written and makes the failed ones.
  fs::copy_file(dir / "intact.tif", scene, fs::copy_options::overwrite_existing);
  const auto resumed = run({"-o", dir / "out", "--resume"});
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.err);
  const auto again = core::Json::parse(resumed.out);
  CHECK(again.at("skipped_resumed").as_int() > 0);
  CHECK(again.at("failed").as_int() == 0);
  CHECK(files_under(dir / "out") == files_under(dir / "whole"));
}

TEST_CASE("tile --grid xyz: a pyramid whose every block fails says its tiles failed, not that they are blank") {
  test::ScratchDir dir;
  test::SceneSpec spec{.width = 128, .height = 128, .bands = 3, .type = GDT_Byte};
  spec.pixel = [](int b, int x, int y) { return (b * 50 + x * 7 + y * 3) % 251 + 1; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64", "COMPRESS=DEFLATE"};
  const auto scene = test::make_scene(dir / "bad.tif", spec);
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 2; ++y) test::corrupt_block(scene, x, y);
  const auto r = test::swath({"tile", scene, "-o", dir / "out", "--grid", "xyz", "--zoom", "10-11"});
  CHECK(r.exit_code == 1);  // nothing made
  CHECK_MESSAGE(contains(r.err, "failed, every other one in range is blank): no tilejson.json is written"), r.err);
  CHECK_MESSAGE(contains(r.err, "tiles.jsonl lists the failed and blank tiles"), r.err);
  CHECK_FALSE(contains(r.err, "(every one in range is blank)"));
  CHECK(contains(r.err, "no tile could be made"));
}
