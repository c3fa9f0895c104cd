// Helpers of the `swath tile` end-to-end tests: scenes of many tiles, runs stopped mid-way, what they left.
#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <gdal_priv.h>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"
#include "support/tile_helpers.hpp"

namespace swath::test::tiles {

namespace fs = std::filesystem;

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A scene of many small tiles, so a run lasts long enough to be interrupted (no CRS: no PROJ work per tile).
inline std::string many_tiles_scene(const test::ScratchDir& dir, int width = 1024, int height = 512) {
  test::SceneSpec spec;
  spec.width = width;
  spec.height = height;
  spec.bands = 1;
  spec.type = GDT_Byte;
  spec.georeferenced = false;
  spec.pixel = [](int, int x, int y) { return (x * 7 + y * 3) % 251; };
  return test::make_scene(dir / "many.tif", spec);
}

inline std::size_t journal_lines(const std::string& output) {
  std::error_code ec;
  if (!fs::exists(output + "/.tiles.jsonl.journal", ec)) return 0;
  return test::lines(core::read_file(output + "/.tiles.jsonl.journal")).size();
}

// Starts `swath tile` and signals it once its journal holds `lines` lines.
inline test::RunResult interrupt_after(const std::vector<std::string>& args, const std::string& output,
                                       std::size_t lines, int signal) {
  std::vector<std::string> argv{SWATH_BINARY, "-q", "tile"};
  argv.insert(argv.end(), args.begin(), args.end());
  test::Background run(argv, {.env = {}, .unset_env = {"SWATH_CONFIG"}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (journal_lines(output) < lines && run.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE_MESSAGE(run.running(), "the run finished before it could be interrupted");
  run.signal(signal);
  return run.wait();
}

// As interrupt_after, for a run into a journal a stopped run left: stopped once it has 20 lines of its own (the
// journal emptied or set aside and begun again, or 20 lines past what it held).
inline test::RunResult interrupt_once_writing(const std::vector<std::string>& args, const std::string& output) {
  std::vector<std::string> argv{SWATH_BINARY, "-q", "tile"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::size_t before = journal_lines(output);
  test::Background run(argv, {.env = {}, .unset_env = {"SWATH_CONFIG"}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (std::size_t now = before; now < before + 20 && !(now < before && now >= 20) && run.running() &&
                                 std::chrono::steady_clock::now() < deadline;
       now = journal_lines(output)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE_MESSAGE(run.running(), "the run finished before it could be interrupted");
  run.signal(SIGINT);
  return run.wait();
}

// `scene` and a copy of it ("second") tiled into DIR/out at 16 px; returns the run's arguments after "tile".
inline std::vector<std::string> two_scenes_tiled(const test::ScratchDir& dir, const std::string& scene) {
  fs::copy_file(scene, dir / "second.tif");
  const std::vector<std::string> both{scene, dir / "second.tif", "-o", dir / "out", "--size", "16", "--threads", "2"};
  std::vector<std::string> first{"tile"};
  first.insert(first.end(), both.begin(), both.end());
  REQUIRE(test::swath(first).exit_code == 0);
  return both;
}

// The tiles under final names in `output` (no hidden files, no manifest).
inline std::vector<std::pair<std::string, std::string>> final_tiles(const std::string& output) {
  std::vector<std::pair<std::string, std::string>> tiles;
  for (auto& [path, content] : test::tree(output)) {
    if (path.find("/.") == std::string::npos && path[0] != '.' && path.find('/') != std::string::npos)
      tiles.emplace_back(path, content);
  }
  return tiles;
}

// Checks that every tile under a final name in `output` equals the uninterrupted run's in `reference` and
// that no temporary is left; returns those tiles.
inline std::vector<std::pair<std::string, std::string>> only_complete_tiles(const std::string& output,
                                                                            const std::string& reference) {
  const auto tiles = final_tiles(output);
  for (const auto& [path, content] : tiles) CHECK(content == core::read_file(reference + "/" + path));
  for (const auto& [path, content] : test::tree(output)) CHECK_FALSE(contains(path, ".tmp-"));
  return tiles;
}
}  // namespace swath::test::tiles
