// End to end: the fleet path (enqueue → worker) writes the same tiles and detections as the local commands.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/sha256.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

const std::string kTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

std::vector<std::string> with_redis(const test::RedisServer& redis, std::vector<std::string> args) {
  args.insert(args.end(), {"--redis", redis.url(), "--queue", "fleet"});
  return args;
}

std::vector<std::string> binary(std::vector<std::string> args) {
  args.insert(args.begin(), SWATH_BINARY);
  return args;
}

void wait_until(const std::function<bool()>& done, int seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(done());
}

// Relative path → SHA-256 of every regular file under `dir` whose name ends with `suffix`.
std::map<std::string, std::string> hashes(const std::string& dir, const std::string& suffix) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix) continue;
    out[fs::relative(e.path(), dir).string()] = core::sha256_file_hex(e.path().string());
  }
  return out;
}

// Names of hidden entries anywhere under `dir` (staging directories, temporaries, journals).
std::vector<std::string> hidden_entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string()[0] == '.') out.push_back(fs::relative(e.path(), dir).string());
  }
  return out;
}

// Tile lines (not headers) of every tiles*.jsonl directly in `dir`: id → sha256.
std::map<std::string, std::string> manifest_tiles(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("tiles", 0) != 0 || e.path().extension() != ".jsonl") continue;
    for (const auto& line : test::lines(core::read_file(e.path().string()))) {
      const auto json = core::Json::parse(line);
      if (json.find("schema") != nullptr) continue;
      const auto* sha = json.find("sha256");
      out[json.at("id").as_string()] = sha != nullptr ? sha->as_string() : json.at("status").as_string();
    }
  }
  return out;
}

// Tiles staged so far, counted without reading them (the worker is writing there).
std::size_t staged_tiles(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".tif") ++n;
  }
  return n;
}

std::string scene_with_known_pixels(const test::ScratchDir& dir, int width, int height) {
  test::SceneSpec spec;
  spec.width = width;
  spec.height = height;
  spec.pixel = [](int b, int x, int y) { return b * 1000 + (x * 7 + y * 13) % 997; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"};
  fs::create_directories(dir / "in");
  return test::make_scene(dir / "in/scene.tif", spec);
}

}  // namespace

TEST_CASE("fleet tile: sharded tasks on 2 workers write the same tile bytes as swath tile") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 300, 220);
  auto r = test::swath({"tile", scene, "-o", dir / "local", "--size", "64", "--overlap", "8", "--co", "COMPRESS=DEFLATE",
                        "--threads", "2"});
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "fleet", "--shards", "3", "--json",
                                     "--options", R"({"size":64,"overlap":8,"creation_options":["COMPRESS=DEFLATE"]})"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("enqueued").as_int() == 3);

  test::Background one(binary(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"})));
  test::Background two(binary(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "2", "--json"})));
  const auto a = one.wait(), b = two.wait();
  REQUIRE(a.exit_code == 0);
  REQUIRE(b.exit_code == 0);
  CHECK(core::Json::parse(a.out).at("committed").as_int() + core::Json::parse(b.out).at("committed").as_int() == 3);

  const auto local = hashes(dir / "local", ".tif");
  const auto fleet = hashes(dir / "fleet", ".tif");
  REQUIRE(local.size() == 24);  // 6 columns x 4 rows of 64 px at stride 56
  CHECK(fleet == local);        // every tile, same relative path, byte-identical
  CHECK(manifest_tiles(dir / "fleet") == manifest_tiles(dir / "local"));
  CHECK(hashes(dir / "fleet", ".jsonl").size() == 3);  // one manifest per task, none overwritten
  CHECK(hidden_entries(dir / "fleet").empty());        // no staging directory, temporary or journal left
}

TEST_CASE("fleet tile: a manifest of tiles (scene path + index) in batches gives the same tiles as swath tile") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 300, 220);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "64", "--overlap", "8"}).exit_code == 0);
  // swath tile's manifest names the scene by directory; a fleet manifest names the scene's path.
  std::string manifest;
  for (const auto& line : test::lines(core::read_file(dir / "local/tiles.jsonl"))) {
    auto json = core::Json::parse(line);
    if (json.find("schema") != nullptr) continue;
    json.set("scene", scene);
    manifest += json.dump() + "\n";
  }
  test::write_text(dir / "todo.jsonl", manifest);
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", dir / "todo.jsonl", "--tiles-per-task", "5", "--output",
                                          dir / "fleet", "--options", R"({"size":64,"overlap":8})", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("tasks").as_int() == 5);  // 24 tiles in batches of 5
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 5);
  CHECK(hashes(dir / "fleet", ".tif") == hashes(dir / "local", ".tif"));
  CHECK(manifest_tiles(dir / "fleet") == manifest_tiles(dir / "local"));
  // swath tile's own manifest (scene names, not paths) is refused before anything is queued.
  r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", dir / "local/tiles.jsonl", "--output", dir / "other"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("scene 'scene': is not a file") != std::string::npos);
}

TEST_CASE("fleet tile: a scene that fails to open is dead-lettered at once with the reason") {
  test::RedisServer redis;
  test::ScratchDir dir;
  test::write_text(dir / "in/not_a_raster.tif", "just text\n");
  scene_with_known_pixels(dir, 64, 64);
  auto r = test::swath(with_redis(redis, {"enqueue", "--kind", "tile", dir / "in/not_a_raster.tif", dir / "in/scene.tif",
                                          "--output", dir / "out"}));
  REQUIRE(r.exit_code == 0);
  fs::remove(dir / "in/scene.tif");  // missing by the time the worker runs
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--max-attempts", "5", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("dead").as_int() == 2);
  r = test::swath(with_redis(redis, {"queue", "dead", "list", "--json"}));
  REQUIRE(r.exit_code == 0);
  std::set<std::string> errors;
  const auto dead = core::Json::parse(r.out);
  for (const auto& t : dead.at("tasks").as_array()) {
    CHECK(t.at("attempt").as_int() == 1);  // not retried: it would fail the same way
    errors.insert(t.at("error").as_string());
  }
  REQUIRE(errors.size() == 2);
  CHECK(errors.begin()->find("not_a_raster.tif': not a raster GDAL can read") != std::string::npos);
  CHECK(errors.rbegin()->find("scene.tif': no such file") != std::string::npos);
  CHECK(hashes(dir / "out", "").empty());
}

TEST_CASE("fleet tile: a worker SIGKILLed mid-task leaves no partial tile; another worker completes the task") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 1536, 1536);
  REQUIRE(test::swath({"tile", scene, "-o", dir / "local", "--size", "32", "--threads", "1"}).exit_code == 0);
  REQUIRE(test::swath(with_redis(redis, {"enqueue", "--kind", "tile", scene, "--output", dir / "fleet", "--options",
                                         R"({"size":32})"})).exit_code == 0);
  {
    test::Background victim(binary(with_redis(redis, {"worker", "--threads", "1", "--lease", "1"})));
    // Killed once its staging directory holds some tiles, long before the 2304 are done.
    wait_until([&] { return staged_tiles(dir / "fleet/.swath-staging") >= 20; });
    victim.signal(SIGKILL);
    victim.wait();
  }
  CHECK(hashes(dir / "fleet/scene", ".tif").empty());  // nothing reached the final directory
  const auto r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "2", "--lease", "5", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);
  const auto local = hashes(dir / "local", ".tif");
  REQUIRE(local.size() == 48 * 48);
  CHECK(hashes(dir / "fleet", ".tif") == local);
  CHECK(hidden_entries(dir / "fleet").empty());  // the killed attempt's staging directory is gone too
}

TEST_CASE("fleet detect: a cfar task writes the same features as swath detect") {
  test::RedisServer redis;
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "3", "--size", "1024x1024"}).exit_code == 0);
  const std::string scene = dir / "sea.tif";
  auto r = test::swath({"detect", scene, "--detector", "cfar", "-o", dir / "local.geojson", "--threads", "2"},
                       {.env = {{"TRACEPARENT", kTrace}}});
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"--traceparent", kTrace, "enqueue", "--kind", "detect", scene, "--output", dir / "fleet",
                                     "--options", R"({"detector":"cfar","output_format":"geojson"})"}));
  REQUIRE(r.exit_code == 0);
  r = test::swath(with_redis(redis, {"worker", "--exit-when-empty", "--threads", "1", "--json"}));
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("committed").as_int() == 1);
  const auto outputs = hashes(dir / "fleet", ".geojson");
  REQUIRE(outputs.size() == 1);
  const std::string name = outputs.begin()->first;
  CHECK(name.rfind("detections.", 0) == 0);
  const auto local = core::Json::parse(core::read_file(dir / "local.geojson"));
  const auto fleet = core::Json::parse(core::read_file(dir / ("fleet/" + name)));
  REQUIRE(local.at("features").as_array().size() > 3);
  CHECK(fleet.at("features").dump() == local.at("features").dump());
  // Same scene, options and trace: the whole file, provenance included, is the same.
  CHECK(outputs.begin()->second == core::sha256_file_hex(dir / "local.geojson"));
  CHECK(hidden_entries(dir / "fleet").empty());
}

TEST_CASE("fleet enqueue: tile and detect options are checked before anything is queued") {
  test::RedisServer redis;
  test::ScratchDir dir;
  const auto scene = scene_with_known_pixels(dir, 64, 64);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases{
      {{"--kind", "tile", "--options", R"({"sise":64})"}, "unknown tile option 'sise' (hint: did you mean 'size'?"},
      {{"--kind", "tile", "--options", R"({"size":"big"})"}, "task option 'size'"},
      {{"--kind", "detect", "--options", R"({"detector":"cfar","window":-5})"}, "task option 'window'"},
      {{"--kind", "detect", "--shards", "2"}, "only tile tasks are split into shards"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"enqueue", scene, "--output", dir / "out"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto r = test::swath(with_redis(redis, args));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
  }
  CHECK(redis.cli({"LLEN", "swath:{fleet}:ready"}) == "0");
}
