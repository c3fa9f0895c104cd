// Helpers shared by the fleet end-to-end tests: Redis flags, waiting, hashing what landed where.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "core/files.hpp"
#include "core/json.hpp"
#include "raster/fingerprint.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

namespace swath::test::fleet {

namespace fs = std::filesystem;

inline const std::string kTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

inline std::vector<std::string> with_redis(const test::RedisServer& redis, std::vector<std::string> args) {
  args.insert(args.end(), {"--redis", redis.url(), "--queue", "fleet"});
  return args;
}

inline std::vector<std::string> binary(std::vector<std::string> args) {
  args.insert(args.begin(), SWATH_BINARY);
  return args;
}

inline void wait_until(const std::function<bool()>& done, int seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(done());
}

// Relative path → SHA-256 of every regular file under `dir` whose name ends with `suffix`.
inline std::map<std::string, std::string> hashes(const std::string& dir, const std::string& suffix) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
      continue;
    out[fs::relative(e.path(), dir).string()] = raster::sha256_file_hex(e.path().string());
  }
  return out;
}

// Every task record the queue holds (lib/queue/script_prelude.cpp): "JOB:ID" → record ("d<token>" once done).
inline std::map<std::string, std::string> queue_records(const test::RedisServer& redis, const std::string& queue) {
  std::map<std::string, std::string> out;
  for (const auto& key : test::lines(redis.cli({"--scan", "--pattern", "swath:{" + queue + "}:job:*:t"}))) {
    const auto start = key.find("}:job:") + 6;
    const std::string job = key.substr(start, key.size() - 2 - start);
    const auto kv = test::lines(redis.cli({"HGETALL", key}));
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2) {
      if (kv[i].back() != '#') out[job + ":" + kv[i]] = kv[i + 1];
    }
  }
  return out;
}

// The done records committed beside the outputs under `dir` (swath-records/<job>/<task>.json): task id → record.
inline std::map<std::string, core::Json> done_records(const std::string& dir) {
  std::map<std::string, core::Json> out;
  if (!fs::exists(dir + "/swath-records")) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/swath-records")) {
    if (!e.is_regular_file()) continue;
    const auto record = core::Json::parse(core::read_file(e.path().string()));
    out[record.at("task").as_string()] = record;
  }
  return out;
}

// Names of hidden entries anywhere under `dir` (staging directories, temporaries, journals).
inline std::vector<std::string> hidden_entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string()[0] == '.') out.push_back(fs::relative(e.path(), dir).string());
  }
  return out;
}

// Tile lines (not headers) of every tiles*.jsonl directly in `dir`: id → sha256.
inline std::map<std::string, std::string> manifest_tiles(const std::string& dir) {
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
inline std::size_t staged_tiles(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() == ".tif") ++n;
  }
  return n;
}

inline std::string scene_with_known_pixels(const test::ScratchDir& dir, int width, int height) {
  test::SceneSpec spec;
  spec.width = width;
  spec.height = height;
  spec.pixel = [](int b, int x, int y) { return b * 1000 + (x * 7 + y * 13) % 997; };
  spec.creation_options = {"TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"};
  fs::create_directories(dir / "in");
  return test::make_scene(dir / "in/scene.tif", spec);
}

}  // namespace swath::test::fleet
