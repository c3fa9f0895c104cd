// End to end: `swath enqueue` refuses early what would fail or mix outputs later, and the same work spelt
// differently is the same tasks (issue 11).
#include <doctest/doctest.h>

#include <gdal_priv.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/fleet_support.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::fleet;
namespace fs = std::filesystem;

namespace {

std::string ready(const test::RedisServer& redis) { return redis.cli({"LLEN", "swath:{fleet}:ready"}); }

core::Json enqueue_json(const test::RedisServer& redis, std::vector<std::string> args) {
  args.insert(args.begin(), "enqueue");
  args.push_back("--json");
  const auto r = test::swath(with_redis(redis, args));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return core::Json::parse(r.out);
}

// A one-band tiled DEFLATE scene of `size`² whose middle three fifths are garbled: its header reads (enqueue sees a
// raster), its blocks do not (only a worker finds out).
std::string garbled_scene(const std::string& path, int size) {
  test::make_scene(path,
                   {.width = size, .height = size, .bands = 1, .creation_options = {"TILED=YES", "COMPRESS=DEFLATE"}});
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto bytes = static_cast<std::streamoff>(fs::file_size(path));
  file.seekp(bytes / 5);
  file << std::string(static_cast<std::size_t>(bytes * 3 / 5), '\xff');
  REQUIRE(file.good());
  return path;
}

// Runs a worker over the queue, whose one task must die, and returns that task's error as `queue dead list` shows it.
std::string only_dead_error(const test::RedisServer& redis) {
  auto r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  REQUIRE(core::Json::parse(r.out).at("dead").as_int() == 1);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  return core::Json::parse(r.out).at("tasks").as_array().at(0).at("error").as_string();
}

}  // namespace

TEST_CASE("enqueue: two scenes of one file name into one --output are refused as swath tile refuses them") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "dupA");
  fs::create_directories(dir / "dupB");
  const auto a = test::make_scene(dir / "dupA/img.tif");
  const auto b = test::make_scene(dir / "dupB/img.tif");
  const std::string message = "scenes '" + a + "' and '" + b + "': both would be tiled into the directory 'img'";
  const auto local = test::swath({"tile", a, b, "-o", dir / "local"});
  CHECK(local.exit_code == 2);
  CHECK(local.err.find(message) != std::string::npos);
  const auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", a, b, "--output", dir / "out"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(message) != std::string::npos);
  CHECK(ready(redis) == "0");
}

TEST_CASE(
    "enqueue: other work for a scene already enqueued into one --output is refused naming it; so is the same work sliced otherwise") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 100, 70);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "32"}).exit_code == 0);
  const std::string out = dir / "out";
  CHECK(enqueue_json(redis, {"--kind", "tile", scene, "--output", out, "--options", R"({"size":32})"})
            .at("enqueued")
            .as_int() == 1);
  // The same work split otherwise (shards, the batches of the manifest `swath tile` wrote with that grid) writes the
  // same tiles, but lists them again in manifests of its own: every tile twice (was: accepted; tests/cli/
  // enqueue_slicing_test.cpp has the other orders).
  auto r = test::swath(with_redis(
      redis, {"enqueue", "--kind", "tile", scene, "--output", out, "--options", R"({"size":32})", "--shards", "3"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("scene.tif listed whole; this is scene.tif listed in 3 shards") != std::string::npos, r.err);
  r = test::swath(with_redis(
      redis, {"enqueue", "--kind", "tile", dir / "local/tiles.jsonl", "--tiles-per-task", "5", "--output", out}));
  CHECK(r.exit_code == 2);
  CHECK(enqueue_json(redis, {"--kind", "tile", scene, "--output", dir / "sharded", "--options", R"({"size":32})",
                             "--shards", "3"})
            .at("enqueued")
            .as_int() == 3);
  CHECK(enqueue_json(
            redis, {"--kind", "tile", dir / "local/tiles.jsonl", "--tiles-per-task", "5", "--output", dir / "batched"})
            .at("enqueued")
            .as_int() == 3);
  REQUIRE(ready(redis) == "7");

  // Other options for that scene, by a later enqueue: it would overwrite the tiles the first work's manifest hashes.
  r = test::swath(with_redis(
      redis, {"enqueue", "--kind", "tile", scene, "--output", out, "--options", R"({"size":32,"overlap":8})"}));
  CHECK(r.exit_code == 2);
  // "(and 1 more)": the output's chips as a whole are claimed too.
  CHECK(r.err.find("output '" + out +
                   "/scene' (and 1 more): other work was enqueued there earlier on queue 'fleet': "
                   "tile " +
                   scene + R"( {"size":32,"overlap":0,)") != std::string::npos);
  CHECK(r.err.find(R"(this is tile )" + scene + R"( {"size":32,"overlap":8,)") != std::string::npos);
  CHECK(r.err.find("use another --output") != std::string::npos);
  // Another scene of the same file name, by a later enqueue.
  fs::create_directories(dir / "other");
  const auto namesake = test::make_scene(dir / "other/scene.tif");
  r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "tile", namesake, "--output", out, "--options", R"({"size":32})"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("this is tile " + namesake) != std::string::npos);
  CHECK(ready(redis) == "7");  // nothing queued by either
  // Nor with --reclaim while the scene's tasks wait: it joins their job (same kind, options, output). Was: accepted,
  // both scenes' tiles written into one directory, each manifest hashing the other's bytes.
  r = test::swath(with_redis(
      redis, {"enqueue", "--kind", "tile", namesake, "--output", out, "--options", R"({"size":32})", "--reclaim"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--reclaim of '" + out + "': job ") != std::string::npos, r.err);
  CHECK(ready(redis) == "7");

  // Elsewhere it is fine; and --reclaim takes the location over, once the work there has no task left to run (both
  // would write there: the hint said to remove its tasks, which no command does).
  CHECK(enqueue_json(redis, {"--kind", "tile", namesake, "--output", dir / "out2"}).at("enqueued").as_int() == 1);
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", out, "--options",
                                     R"({"size":32,"overlap":8})", "--reclaim"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--reclaim of '" + out + "': job ") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("unfinished and 0 dead task(s): both works would write there") != std::string::npos, r.err);
  CHECK(ready(redis) == "8");
  REQUIRE(test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1"})).exit_code == 0);
  fs::remove_all(out);  // its files too, as the claim's hint says
  CHECK(enqueue_json(redis,
                     {"--kind", "tile", scene, "--output", out, "--options", R"({"size":32,"overlap":8})", "--reclaim"})
            .at("enqueued")
            .as_int() == 1);
  // Redis keeps the claim short: references to the scene's directory and the work's options, each stored once.
  const auto claim = redis.claim("fleet", out + "/scene");
  const auto dir_ref = claim.substr(5, 13), shape_ref = claim.substr(claim.rfind(' ') + 1);
  CHECK(claim == "tile " + dir_ref + "/scene.tif " + shape_ref);
  CHECK(claim.size() <= 64);  // Redis' small hash encoding (listpack) holds values up to 64 bytes
  CHECK(redis.cli({"HGET", "swath:{fleet}:claim_texts", dir_ref}) == fs::path(scene).parent_path().string());
  CHECK(redis.cli({"HGET", "swath:{fleet}:claim_texts", shape_ref}).find(R"("overlap":8)") != std::string::npos);
}

TEST_CASE("enqueue: what every worker would dead-letter is refused at once (exit 2), with hints for the enqueuer") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 64, 64);  // 3 bands, georeferenced
  fs::copy_file(scene, dir / "in/.hidden.tif");
  fs::copy_file(scene, dir / "in/swath-records.tif");
  fs::copy_file(scene, dir / "in/tiles.jsonl.tif");
  test::write_text(dir / "in/text.tif", "not a raster\n");
  test::SceneSpec plain;
  plain.georeferenced = false;
  const auto no_crs = test::make_scene(dir / "in/plain.tif", plain);
  const auto local = test::make_scene(dir / "in/site.tif");
  {
    const std::unique_ptr<GDALDataset> dataset(GDALDataset::Open(local.c_str(), GDAL_OF_RASTER | GDAL_OF_UPDATE));
    REQUIRE(dataset->SetProjection(R"(LOCAL_CS["site grid",UNIT["metre",1]])") == CE_None);
  }
  {  // a VRT whose bands declare different nodata values, which a GTiff tile cannot (was: queued, then dead)
    const std::unique_ptr<GDALDataset> source(GDALDataset::Open(scene.c_str(), GDAL_OF_RASTER));
    const std::unique_ptr<GDALDataset> vrt(GetGDALDriverManager()->GetDriverByName("VRT")->CreateCopy(
        (dir / "in/bands.vrt").c_str(), source.get(), FALSE, nullptr, nullptr, nullptr));
    for (int b = 1; b <= 3; ++b) REQUIRE(vrt->GetRasterBand(b)->SetNoDataValue(b) == CE_None);
  }
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"--kind", "tile", dir / "in"}, "cannot open '" + dir / "in" + "': a directory, not a raster"},
      {{"--kind", "tile", dir / "in/text.tif"},
       "text.tif': not a raster GDAL can read (GDAL reported no reason) (hint: give a GeoTIFF, COG, VRT, JP2 or "
       "another format listed by `gdalinfo --formats`)"},  // its own hint: a command in backticks is not a local flag
                                                           // to replace
      {{"--kind", "tile", dir / "in/.hidden.tif"},
       "its tiles would go into the hidden directory '.hidden', which ls and globs such as */*.tif pass over (and a "
       "worker does not commit)"},
      {{"--kind", "tile", dir / "in/swath-records.tif"},
       "its tiles would go into a directory named 'swath-records', which holds the job's records"},
      {{"--kind", "tile", dir / "in/tiles.jsonl.tif"},
       "its tiles would go into a directory named 'tiles.jsonl', a file this run writes (hint: give the scene another "
       "file name (a symbolic link will do), and enqueue that)"},
      {{"--kind", "tile", dir / "in/bands.vrt"}, "its bands declare different nodata values (band 1 1, band 2 2)"},
      {{"--kind", "tile", scene, "--options", R"({"format":"PNGG"})"}, "unknown format 'PNGG'"},
      {{"--kind", "tile", scene, "--options", R"({"bands":"0"})"}, "task option bands: bad band '0'"},
      {{"--kind", "tile", scene, "--options", R"({"bands":[1,4]})"},
       "band 4 of '" + scene + "': the scene has 3 band(s)"},
      {{"--kind", "tile", scene, "--options", R"({"format":"JPEG","creation_options":["QUALITY=500"]})"},
       "creation option QUALITY=500 for JPEG tiles: QUALITY=500 is not a legal value"},  // every task dead-lettered
                                                                                         // before
      {{"--kind", "tile", scene, "--grid", "xyz", "--options", R"({"creation_options":["ZLEVEL=0"]})"},
       "creation option ZLEVEL=0 for PNG tiles: Illegal ZLEVEL value '0'"},
      {{"--kind", "detect", scene, "--options", R"({"outpt_format":"geojson"})"},
       "unknown detect option 'outpt_format' (hint: did you mean 'output_format'?)"},
      {{"--kind", "detect", scene, "--options", R"({"tiles":[{"id":"a"}]})"},
       "--options: detect option 'tiles': enqueue sets it for the tiles of a tiles.jsonl manifest"},
      {{"--kind", "detect", scene, "--options", R"({"detector":"onnx"})"},
       R"(detector onnx: no model card given (hint: name one with --options '{"model":"CARD.yaml"}' or SWATH_DETECT__MODEL)"},
      {{"--kind", "detect", scene, "--options", R"({"detector":"cfar","window":64,"overlap":64})"},
       "it must be at least 0 and less than the window (64)"},
      {{"--kind", "detect", no_crs, "--options", R"({"detector":"cfar"})"},
       R"(no CRS or geotransform, so detections cannot be placed on a map (hint: --options '{"allow_pixel_coords":true}')"},
      {{"--kind", "detect", local, "--options", R"({"detector":"cfar","output_format":"geojson"})"},
       "GeoJSON is WGS84 and its CRS is one PROJ cannot take there"},  // was: dead on the worker
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"enqueue", "--output", dir / "out"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = test::swath(with_redis(redis, args));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.err.find("pass --") == std::string::npos);  // a local command's flag means nothing here
  }
  const auto zero = test::swath(
      with_redis(redis, {"enqueue", "--output", dir / "out", "--kind", "tile", scene, "--tiles-per-task", "0"}));
  CHECK(zero.exit_code == 2);
  CHECK_MESSAGE(zero.err.find("swath enqueue: --tiles-per-task: '0' must be 1 or more") != std::string::npos, zero.err);
  CHECK(ready(redis) == "0");
}

TEST_CASE(
    "enqueue: tile tasks from a manifest take its grid and write swath tile's tiles; a conflicting --options is refused") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 100, 70);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "32", "--overlap", "4"}).exit_code == 0);
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", dir / "local/tiles.jsonl", "--output",
                                          dir / "fleet", "--options", R"({"size":64})"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--options size 64: the manifest '" + dir / "local/tiles.jsonl" + "' lists the tiles of size 32") !=
        std::string::npos);
  CHECK(ready(redis) == "0");

  // No grid in --options (tile.size is 512 by default): the manifest's, 32 px with 4 px overlap.
  CHECK(enqueue_json(redis,
                     {"--kind", "tile", dir / "local/tiles.jsonl", "--tiles-per-task", "5", "--output", dir / "fleet"})
            .at("tasks")
            .as_int() == 3);  // 4 x 3 tiles
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 3);
  const auto local = hashes(dir / "local", ".tif");
  REQUIRE(local.size() == 12);
  CHECK(hashes(dir / "fleet", ".tif") == local);
  CHECK(manifest_tiles(dir / "fleet") == manifest_tiles(dir / "local"));
}

TEST_CASE(
    "enqueue: the same work through a symlinked directory, a relative path or a trailing slash is the same tasks") {
  test::RedisServer redis;
  test::ScratchDir dir;
  scene_with_known_pixels(dir, 64, 64);
  fs::copy_file(dir / "in/scene.tif", dir / "in/second.tif");
  fs::create_directory_symlink(dir / "in", dir / "link");
  CHECK(enqueue_json(redis, {"--kind", "tile", dir / "in/*.tif", "--output", dir / "out"}).at("enqueued").as_int() ==
        2);
  auto again = enqueue_json(redis, {"--kind", "tile", dir / "link/*.tif", "--output", dir / "out/"});
  CHECK(again.at("enqueued").as_int() == 0);
  CHECK(again.at("duplicates_skipped").as_int() == 2);
  const auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", "link/../in/scene.tif", "link/second.tif",
                                                "--output", "./out//", "--json"}),
                             {.working_dir = dir.path()});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 0);

  // A detect manifest read through a link to its directory: its tile files are the same files.
  REQUIRE(test::swath({"tile", dir / "in/scene.tif", "-o", dir / "tiles", "--size", "32"}).exit_code == 0);
  fs::create_directory_symlink(dir / "tiles", dir / "tiles-link");
  const std::vector<std::string> detect{"--kind",           "detect", "--options", R"({"detector":"cfar"})",
                                        "--tiles-per-task", "2"};
  auto first = detect;
  first.insert(first.end(), {dir / "tiles/tiles.jsonl", "--output", dir / "det"});
  CHECK(enqueue_json(redis, first).at("enqueued").as_int() == 2);
  auto second = detect;
  second.insert(second.end(), {dir / "tiles-link/tiles.jsonl", "--output", dir / "det/"});
  CHECK(enqueue_json(redis, second).at("enqueued").as_int() == 0);
  CHECK(ready(redis) == "4");
}

TEST_CASE(
    "enqueue: the same refusal on a worker (the scene changed after enqueue) is dead-lettered with no flag to pass") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "in");
  const auto scene = test::make_scene(dir / "in/scene.tif");
  CHECK(enqueue_json(redis, {"--kind", "detect", scene, "--output", dir / "out", "--options", R"({"detector":"cfar"})"})
            .at("enqueued")
            .as_int() == 1);
  test::SceneSpec plain;
  plain.georeferenced = false;
  test::make_scene(scene, plain);  // replaced by a scene without a CRS before any worker runs
  const auto error = only_dead_error(redis);
  INFO(error);
  CHECK(error.find("it has no CRS or geotransform") != std::string::npos);
  CHECK(error.find("enqueue the work again") != std::string::npos);
  CHECK(error.find("--allow-pixel-coords") == std::string::npos);
}

TEST_CASE("enqueue: a task none of whose tiles could be made is dead with the first reason, no staging path in it") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "in");
  const auto scene = garbled_scene(dir / "in/scene.tif", 256);
  REQUIRE(enqueue_json(redis, {"--kind", "tile", scene, "--output", dir / "out", "--options", R"({"size":256})"})
              .at("enqueued")
              .as_int() == 1);
  const auto error = only_dead_error(redis);
  INFO(error);
  CHECK(error.find("no tile could be made (1 failed)") != std::string::npos);
  CHECK(error.find(".swath-staging") == std::string::npos);  // gone with the failed task: not named
}

TEST_CASE("enqueue: a job's deadline is its latest enqueue's; an expired task runs again once enqueued with --force") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "a");
  test::write_text(dir / "in/b.txt", "b");
  for (const std::string bad : {"0", "-5"}) {  // no deadline at all would be silently taken
    const auto r = test::swath(with_redis(
        redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "out", "--deadline", bad}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--deadline") != std::string::npos);
  }
  const auto first =
      enqueue_json(redis, {"--kind", "checksum", dir / "in/a.txt", "--output", dir / "out", "--deadline", "1"});
  const std::string job = first.at("jobs").as_array().at(0).as_string();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto worker = with_redis(redis, {"worker", "--exit-when-empty", "--json"});
  auto r = test::swath(worker);
  CHECK(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 1);
  CHECK(r.err.find("enqueue it again with --force and a later --deadline, or none") != std::string::npos);
  // dead retry would queue it again into its expired job, where it dies at once: refused, saying so.
  const auto listed = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  const std::string dead_id = core::Json::parse(listed.out).at("tasks").as_array().at(0).at("id").as_string();
  const auto refused = test::swath(with_redis(redis, {"queue", "dead", "retry", dead_id}));
  CHECK(refused.exit_code == 2);
  CHECK_MESSAGE(refused.err.find("their job's deadline has passed") != std::string::npos, refused.err);
  // --all retries the others (none here) and leaves it dead, saying so.
  const auto all = test::swath(with_redis(redis, {"queue", "dead", "retry", "--all"}));
  CHECK(all.exit_code == 0);
  CHECK(all.out.find("queued again 0 dead tasks") != std::string::npos);
  CHECK_MESSAGE(all.err.find("1 dead task(s) stay dead: their job's deadline has passed") != std::string::npos,
                all.err);
  CHECK(redis.cli({"LLEN", "swath:{fleet}:dead"}) == "1");
  const auto all_json = test::swath(with_redis(redis, {"queue", "dead", "retry", "--all", "--json"}));
  CHECK(core::Json::parse(all_json.out).at("tasks").as_int() == 0);
  CHECK(core::Json::parse(all_json.out).at("stayed_dead").as_int() == 1);  // automation sees it, not only stderr

  // Into the same job (kind, options, output): its deadline becomes this enqueue's, for the expired task too.
  const auto again = enqueue_json(redis, {"--kind", "checksum", dir / "in/a.txt", dir / "in/b.txt", "--output",
                                          dir / "out", "--deadline", "3600", "--force"});
  CHECK(again.at("jobs").as_array().at(0).as_string() == job);
  CHECK(again.at("enqueued").as_int() == 2);
  r = test::swath(with_redis(redis, {"queue", "job", job, "--json"}));
  REQUIRE(r.exit_code == 0);
  const auto shown = core::Json::parse(r.out);
  CHECK(shown.at("deadline").as_int() - shown.at("enqueued_at").as_int() == 3600 * 1000);
  CHECK(test::swath(with_redis(redis, {"queue", "job", job})).out.find("  deadline: 20") != std::string::npos);
  r = test::swath(worker);
  CHECK(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 2);
  CHECK(fs::exists(dir / "out/a.txt.sha256"));
  CHECK(fs::exists(dir / "out/b.txt.sha256"));
}

TEST_CASE("enqueue: an --output that is a file is refused at once, not retried by every worker until dead") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/a.txt", "a");
  test::write_text(dir / "afile", "x");
  const auto r =
      test::swath(with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "afile"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--output '" + dir / "afile" + "': a file, not a directory") != std::string::npos);
  // Below a file: every worker failed to make its staging directory there, until the task was dead.
  const auto below = test::swath(
      with_redis(redis, {"enqueue", "--kind", "checksum", dir / "in/a.txt", "--output", dir / "afile/sub"}));
  CHECK(below.exit_code == 2);
  CHECK_MESSAGE(below.err.find("'" + dir / "afile" + "' is a file, not a directory") != std::string::npos, below.err);
  CHECK(ready(redis) == "0");
}

TEST_CASE("enqueue: an empty --output is refused for every kind; chips in shards of another count too") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256});
  for (const std::string kind : {"tile", "detect", "noop", "checksum"}) {
    CAPTURE(kind);
    const auto r = test::swath(with_redis(redis, {"enqueue", "--kind", kind, scene, "--output", ""}));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--output ''") != std::string::npos);
  }
  CHECK(ready(redis) == "0");
  // Shards of two counts in one output list every tile twice: refused whether the first are queued or written, by
  // the fleet or by swath tile, and swath tile refuses the fleet's in turn.
  const std::vector<std::string> options = {"--options", R"({"size":64})"};
  const auto enqueue = [&](const std::string& out, const std::string& shards) {
    std::vector<std::string> args{"enqueue", "--kind", "tile", scene, "--output", out, "--shards", shards};
    args.insert(args.end(), options.begin(), options.end());
    return test::swath(with_redis(redis, args));
  };
  REQUIRE(enqueue(dir / "queued", "2").exit_code == 0);
  auto r = enqueue(dir / "queued", "3");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("chips in 2 shards; this is chips in 3 shards") != std::string::npos, r.err);
  CHECK(enqueue(dir / "queued", "2").exit_code == 0);  // the same work again
  REQUIRE(test::swath(with_redis(redis, {"worker", "--exit-when-empty"})).exit_code == 0);
  r = test::swath({"tile", scene, "-o", dir / "queued", "--size", "64", "--shard", "0/5"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("it holds the tiles of a run in 2 shards") != std::string::npos, r.err);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "64", "--shard", "0/4"}).exit_code == 0);
  r = enqueue(dir / "local", "3");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("it holds the tiles of a run in 4 shards") != std::string::npos, r.err);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "whole", "--size", "64"}).exit_code == 0);
  r = enqueue(dir / "whole", "2");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("it holds the tiles of an unsharded run (tiles.jsonl)") != std::string::npos, r.err);
  r = test::swath(with_redis(
      redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "local", "--options", R"({"size":64})"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("it holds the tiles of a run in 4 shards (tiles.shard-") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("this one is unsharded") != std::string::npos, r.err);
  CHECK(ready(redis) == "0");
}

TEST_CASE("enqueue --kind tile: an --output holding another run's tiles of other options is refused, as tile refuses") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "128"}).exit_code == 0);
  const auto manifest = core::read_file(dir / "local/tiles.jsonl");
  const auto enqueue = [&](const std::string& size) {
    return test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "local", "--options",
                                          "{\"size\":" + size + "}"}));
  };
  // Its tasks would write 64 px tiles over the 128 px ones the manifest lists.
  auto r = enqueue("64");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(
      r.err.find("it holds the tiles of a run with other options (tiles.jsonl: size 128") != std::string::npos, r.err);
  CHECK(ready(redis) == "0");
  // The same options are the same tile set, but that scene's tiles are listed already: the tasks' manifests would
  // list them again (tests/cli/enqueue_slicing_test.cpp).
  r = enqueue("128");
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("'tiles.jsonl' lists the tiles of scene 'scene' with these options") != std::string::npos,
                r.err);
  CHECK(core::read_file(dir / "local/tiles.jsonl") == manifest);
  CHECK(test::swath({"tile", scene, "-o", dir / "local", "--size", "128", "--resume"}).exit_code == 0);
}

TEST_CASE("enqueue --kind detect: a manifest of PNG tiles is refused, as swath detect refuses it") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "scene.tif", {.width = 256, .height = 256});
  REQUIRE(test::swath({"tile", scene, "-o", dir / "png", "-f", "PNG", "--size", "128"}).exit_code == 0);
  const auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "detect", dir / "png/tiles.jsonl", "--output",
                                                dir / "out", "--options", R"({"allow_pixel_coords":true})"}));
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("PNG, JPEG and WebP tiles keep none") != std::string::npos, r.err);
  CHECK(ready(redis) == "0");
}

TEST_CASE("enqueue: options spelt two ways (\"256\" and 256, png and PNG) are one job, queued once") {
  test::RedisServer redis;
  test::ScratchDir dir;
  scene_with_known_pixels(dir, 64, 64);
  const auto first = enqueue_json(redis, {"--kind", "tile", dir / "in/scene.tif", "--output", dir / "out", "--options",
                                          R"({"size":32,"format":"PNG","scale":"0,255"})"});
  CHECK(first.at("enqueued").as_int() == 1);
  for (const char* spelt :
       {R"({"size":"32","format":"png","scale":"0, 255"})", R"({"size":32.0,"format":"Png","scale":"0.0,255"})"}) {
    CAPTURE(spelt);
    const auto again =
        enqueue_json(redis, {"--kind", "tile", dir / "in/scene.tif", "--output", dir / "out", "--options", spelt});
    CHECK(again.at("enqueued").as_int() == 0);
    CHECK(again.at("duplicates_skipped").as_int() == 1);
  }
  // As the environment would give it: the same job too.
  const auto r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "tile", dir / "in/scene.tif", "--output", dir / "out", "--json"}),
      {.env = {{"SWATH_TILE__SIZE", "32"}, {"SWATH_TILE__FORMAT", "png"}, {"SWATH_TILE__SCALE", "0,255"}}});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 0);
  CHECK(ready(redis) == "1");
  // A grid in any case is the grid (was: "XYZ" refused, and tasks spelt so not taken as pyramid tasks).
  fs::create_directories(dir / "byte");
  const auto byte_scene = test::make_scene(dir / "byte/scene.tif", {.width = 64, .height = 64, .type = GDT_Byte});
  const auto pyramid = enqueue_json(
      redis, {"--kind", "tile", byte_scene, "--output", dir / "map", "--options", R"({"grid":"XYZ","zoom":"0-2"})"});
  CHECK(pyramid.at("enqueued").as_int() >= 1);
  const auto again = enqueue_json(
      redis, {"--kind", "tile", byte_scene, "--output", dir / "map", "--options", R"({"grid":"xyz","zoom":"0-2"})"});
  CHECK(again.at("enqueued").as_int() == 0);
  CHECK(again.at("duplicates_skipped").as_int() == pyramid.at("enqueued").as_int());
  // A named index in any case is that index (was: NDVI and ndvi two jobs doing one work).
  const auto ndvi = enqueue_json(redis, {"--kind", "detect", byte_scene, "--output", dir / "det", "--options",
                                         R"({"detector":"index","index":"NDVI","index_bands":["red=1","nir=2"]})"});
  CHECK(ndvi.at("enqueued").as_int() == 1);
  const auto lower = enqueue_json(redis, {"--kind", "detect", byte_scene, "--output", dir / "det", "--options",
                                          R"({"detector":"index","index":"ndvi","index_bands":["red=1","nir=2"]})"});
  CHECK(lower.at("enqueued").as_int() == 0);
  CHECK(lower.at("duplicates_skipped").as_int() == 1);
}

TEST_CASE("enqueue --kind detect: a manifest of blank tiles only queues nothing and says so (exit 2), as detect does") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::SceneSpec spec;
  spec.width = 64;
  spec.height = 64;
  spec.nodata = 0;
  spec.pixel = [](int, int, int) { return 0; };  // all nodata: every tile blank
  test::make_scene(dir / "empty.tif", spec);
  REQUIRE(test::swath({"tile", dir / "empty.tif", "-o", dir / "tiles", "--size", "32"}).exit_code == 0);
  const auto r = test::swath(
      with_redis(redis, {"enqueue", "--kind", "detect", dir / "tiles/tiles.jsonl", "--output", dir / "out"}));
  CHECK(r.exit_code == 2);  // was exit 0 with "tasks":0: a job that looked done
  CHECK_MESSAGE(r.err.find("nothing to queue from '" + dir / "tiles/tiles.jsonl" +
                           "': no tile with a file is listed (blank tiles have none)") != std::string::npos,
                r.err);
  CHECK(ready(redis) == "0");
}

TEST_CASE("enqueue --force: refused while a task of the job runs, so its clean-up cannot remove a re-run's files") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 1024, 1024);
  const std::vector<std::string> enqueue{"enqueue",     "--kind",    "tile",           scene,      "--output",
                                         dir / "fleet", "--options", R"({"size":32})", "--shards", "2"};
  REQUIRE(test::swath(with_redis(redis, enqueue)).exit_code == 0);
  REQUIRE(test::swath(with_redis(redis, {"worker", "--max-tasks", "1"})).exit_code == 0);  // one shard done
  // The other shard mid-run, its worker stopped (a slow task, as far as Redis can tell).
  test::Background worker(binary(with_redis(redis, {"worker", "--threads", "1", "--exit-when-empty", "--json"})));
  wait_until([&] { return staged_tiles(dir / "fleet/.swath-staging") >= 10; });
  worker.signal(SIGSTOP);
  auto forced = enqueue;
  forced.push_back("--force");
  auto r = test::swath(with_redis(redis, forced));
  worker.signal(SIGCONT);
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("has 1 task(s) running and 0 being moved into place") != std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("then enqueue again with --force") != std::string::npos, r.err);
  CHECK(ready(redis) == "0");  // the done shard was not queued again
  r = worker.wait(std::chrono::seconds(120));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);
  // Once nothing of the job runs, --force re-runs both shards.
  forced.push_back("--json");
  r = test::swath(with_redis(redis, forced));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 2);
  // A worker killed mid-task: its lease, once past its deadline, holds nothing back (that worker can commit nothing).
  REQUIRE(test::swath(with_redis(redis, {"worker", "--max-tasks", "1"})).exit_code == 0);
  {
    test::Background killed(binary(with_redis(redis, {"worker", "--threads", "1", "--lease", "2"})));
    wait_until([&] { return staged_tiles(dir / "fleet/.swath-staging") >= 10; });
    killed.signal(SIGKILL);
    killed.wait();
  }
  r = test::swath(with_redis(redis, forced));
  CHECK(r.exit_code == 2);  // its lease still runs
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  r = test::swath(with_redis(redis, forced));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("enqueue: a task whose many tiles failed is dead with the first reasons and a count, not all of them") {
  test::RedisServer redis;
  test::ScratchDir dir;
  fs::create_directories(dir / "in");
  const auto scene = garbled_scene(dir / "in/scene.tif", 2048);  // its middle three fifths garbled
  REQUIRE(enqueue_json(redis, {"--kind", "tile", scene, "--output", dir / "out", "--options", R"({"size":256})"})
              .at("enqueued")
              .as_int() == 1);
  const auto error = only_dead_error(redis);
  INFO(error);
  CHECK(error.find(" tile(s) failed; ") != std::string::npos);
  CHECK(error.find(" more (in the worker's log)") != std::string::npos);
  CHECK(error.size() < 4096 + 100);
}
